import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../zoo/registry.js';
import type { CompressedImage, ImageCodec } from './image-codec.js';
import { pause } from './pause.js';
import { pixelsOf, type ImagePixels } from './tiling.js';

// A small untrained hyperprior, coded in tiles of 8 and bands of 4 latent rows.
const LIMITS = { tile: 8, band: 4 };
const HEIGHT = 16 * 24;
const WIDTH = 136;
const rgb = Float32Array.from({ length: HEIGHT * WIDTH * 3 }, (_, i) => 0.5 + 0.4 * Math.sin(i / 7));

let model: ImageCodec;
let compressed: CompressedImage;
beforeAll(async () => {
  await setBackend('wasm');
  model = createModel('mbt2018-mean', { N: 8, M: 12 });
  model.update();
  compressed = await model.compressPixels(rgb, HEIGHT, WIDTH, undefined, LIMITS);
});
afterAll(() => model.dispose());

/** The image's rows, aborting `controller` when row `at` is read. */
function rowsAborting(controller: AbortController, at: number): ImagePixels {
  const pixels = pixelsOf(rgb, HEIGHT, WIDTH);
  return {
    ...pixels,
    row: (y) => {
      if (y === at) controller.abort();
      return pixels.row(y);
    },
  };
}

describe('an abort signal stops a long compress or decompress', () => {
  it('pause gives timers a turn and throws the reason of an aborted signal', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 0);
    await new Promise((r) => setTimeout(r, 1));
    await pause();
    expect(fired).toBe(true);
    const c = new AbortController();
    c.abort();
    await expect(pause(c.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('compressPixels throws AbortError when aborted while the image is read, leaking no tensors', async () => {
    const before = tf.memory().numTensors;
    const c = new AbortController();
    const pixels = rowsAborting(c, 100);
    await expect(model.compressPixels(pixels, HEIGHT, WIDTH, undefined, { ...LIMITS, signal: c.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('decompressRows throws AbortError when aborted by its sink, and delivers no further rows', async () => {
    const before = tf.memory().numTensors;
    const c = new AbortController();
    const seen: number[] = [];
    const sink = (y0: number): void => {
      seen.push(y0);
      c.abort();
    };
    await expect(model.decompressRows(compressed, sink, undefined, { ...LIMITS, signal: c.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a signal that is never aborted changes nothing', async () => {
    const again = await model.compressPixels(rgb, HEIGHT, WIDTH, undefined, { ...LIMITS, signal: new AbortController().signal });
    expect(again.streams).toEqual(compressed.streams);
  });
});
