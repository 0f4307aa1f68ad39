import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BaselineConfig } from '../zoo/baseline-config.js';
import { EGIC_SMALL_CONFIG } from '../zoo/egic-config.js';
import { HIFIC_SMALL_CONFIG } from '../zoo/hific.js';
import { MRIC_SMALL_CONFIG } from '../zoo/mric.js';
import { createModel } from '../zoo/registry.js';
import type { ImageCodec } from './image-codec.js';
import { replicatePad } from './replicate-pad.js';
import { analyzeTiled, synthesizeTiled } from './tiled-transforms.js';
import { probeReach, tilesOf } from './tiling.js';

beforeAll(async () => {
  await setBackend('wasm');
});

/** An image with structure everywhere, so a wrong overlap shows. */
function image(h: number, w: number): Float32Array {
  return Float32Array.from({ length: h * w * 3 }, (_, i) => {
    const p = Math.floor(i / 3);
    return 0.5 + 0.4 * Math.sin((p % w) / 3 + (i % 3)) * Math.cos(Math.floor(p / w) / 5) + 0.05 * Math.sin(i * 12.9898);
  });
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('probeReach', () => {
  it('counts every output that moved, however little: a transform of small scale gets its whole receptive field', async () => {
    // Two 3x3 convolutions (reach 2) whose outputs the probe moves by 1e-10 to 1e-9. The former
    // fixed threshold (1e-6) measured 0 here, and 3 or 4 of 5 for a small HiFiC g_s with some
    // random weights, whose tiles then decoded up to 0.07 away from the whole image.
    const k = tf.fill([3, 3, 2, 2], 1e-5) as tf.Tensor4D;
    const fn = (x: tf.Tensor4D): tf.Tensor4D => tf.conv2d(tf.conv2d(x, k, 1, 'same'), k, 1, 'same');
    expect(await probeReach(fn, 1, 1, 2)).toBe(2);
    // The same at a larger scale, and with units (stride 2: 2 input pixels per output unit).
    expect(await probeReach((x) => tf.mul(fn(x), 1e8) as tf.Tensor4D, 1, 1, 2)).toBe(2);
    const strided = (x: tf.Tensor4D): tf.Tensor4D => tf.conv2d(tf.conv2d(x, k, 2, 'same'), k, 1, 'same');
    expect(await probeReach(strided, 2, 1, 2)).toBe(2);
    k.dispose();
  });
});

describe('tilesOf', () => {
  it('covers every unit exactly once and grows tiles by the margin within bounds', () => {
    for (const [rows, cols, tile, margin] of [
      [7, 5, 2, 1],
      [1, 1, 4, 3],
      [9, 16, 4, 0],
    ] as const) {
      const seen = new Uint8Array(rows * cols);
      for (const t of tilesOf(rows, cols, { tile, margin })) {
        expect(t.gy0).toBe(Math.max(0, t.y0 - margin));
        expect(t.gx1).toBe(Math.min(cols, t.x1 + margin));
        for (let y = t.y0; y < t.y1; y++) for (let x = t.x0; x < t.x1; x++) seen[y * cols + x]!++;
      }
      expect([...seen].every((v) => v === 1)).toBe(true);
    }
  });
});

const CONV: readonly [string, unknown][] = [
  ['bmshj2018', { N: 8, M: 12 }],
  ['mbt2018-mean', { N: 8, M: 12 }],
  ['hific', HIFIC_SMALL_CONFIG],
  ['mric', MRIC_SMALL_CONFIG],
];

describe.each(CONV)('tiled transforms equal the untiled ones, %s', (name, config) => {
  let model: ImageCodec;
  beforeAll(() => {
    model = createModel(name, config as BaselineConfig);
    model.update();
  });

  it('g_a and g_s in tiles of 2 latent pixels, overlap = measured reach + 1', async () => {
    const before = tf.memory().numTensors;
    const d = model.downsampling;
    const [height, width] = [5 * d + 3, 7 * d - 5];
    const size = {
      height,
      width,
      paddedHeight: Math.ceil(height / model.padMultiple) * model.padMultiple,
      paddedWidth: Math.ceil(width / model.padMultiple) * model.padMultiple,
    };
    const rgb = image(height, width);
    const ga = (x: tf.Tensor4D) => model.analysis.call(x) as tf.Tensor4D;
    const gs = (y: tf.Tensor4D) => model.synthesis.call(y) as tf.Tensor4D;
    const reachA = await probeReach(ga, d, 1, 3);
    const reachS = await probeReach(gs, 1, d, model.latentCodec.latentChannels);
    expect(reachA).toBeLessThan(12); // finite: convolutional
    const whole = tf.tidy(() => ga(replicatePad(tf.tensor4d(rgb, [1, height, width, 3]), size.paddedHeight - height, size.paddedWidth - width)));
    const tiled = await analyzeTiled(ga, rgb, size, { downsampling: d, tile: 2, margin: reachA + 1 });
    expect(tiled.shape).toEqual(whole.shape);
    expect(maxAbs(tiled.dataSync(), whole.dataSync())).toBeLessThan(1e-4);
    const xWhole = tf.tidy(() => tf.clipByValue(tf.slice(gs(whole), [0, 0, 0, 0], [1, height, width, 3]), 0, 1));
    const xTiled = await synthesizeTiled(gs, whole, size, { downsampling: d, tile: 2, margin: reachS + 1 });
    expect(maxAbs(xTiled, xWhole.dataSync())).toBeLessThan(1e-4);
    tf.dispose([whole, tiled, xWhole]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('compress / decompress with small tiles decode what the untiled codec decodes', async () => {
    const d = model.downsampling;
    const [height, width] = [4 * d + 9, 6 * d + 1];
    const rgb = image(height, width);
    const before = tf.memory().numTensors;
    const tiled = await model.compressPixels(rgb, height, width, undefined, { tile: 2 });
    const x = tf.tensor4d(rgb, [1, height, width, 3]);
    const whole = await model.compress(x, undefined, { tile: 1024 });
    x.dispose();
    const a = await model.decompressPixels(tiled, undefined, { tile: 2 });
    const b = await model.decompress(tiled, undefined, { tile: 1024 });
    expect(maxAbs(a, b.dataSync())).toBeLessThan(1e-4);
    // The streams may differ only where a float difference moved a value across a rounding step.
    const c = await model.decompress(whole, undefined, { tile: 1024 });
    expect(maxAbs(b.dataSync(), c.dataSync())).toBeLessThan(0.05);
    tf.dispose([b, c]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('attention (Swin) transforms: seam error measured', () => {
  it('egic-orp small: tiles aligned to the window grid, overlap = measured reach + 1, decode as the whole image does', async () => {
    const model = createModel('egic-orp', EGIC_SMALL_CONFIG);
    model.update();
    const d = model.downsampling;
    // 20 x 20 latent pixels in tiles of 4: grown regions (4 + 2 x (reach + 1)) stay smaller
    // than the image, and window partitions start at other offsets than on the whole image.
    const [height, width] = [20 * d, 20 * d];
    const rgb = image(height, width);
    const before = tf.memory().numTensors;
    const c = await model.compressPixels(rgb, height, width, undefined, { tile: 1024 });
    const whole = await model.decompress(c, undefined, { tile: 1024 });
    const tiled = await model.decompressPixels(c, undefined, { tile: 4 });
    const err = maxAbs(tiled, whole.dataSync());
    let sum = 0;
    const w = whole.dataSync();
    for (let i = 0; i < w.length; i++) sum += (tiled[i]! - w[i]!) ** 2;
    console.log(`egic-orp small, 4x4-latent tiles: seam error max ${err.toExponential(2)}, RMS ${Math.sqrt(sum / w.length).toExponential(2)}`);
    // Unaligned tiles (window partitions starting elsewhere) gave max 1.0, RMS 7e-2 here.
    expect(err).toBeLessThan(1e-4);
    whole.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
