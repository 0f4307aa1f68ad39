import { CorruptStreamError, ParameterMismatchError, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaselineConfig } from '../zoo/baseline-config.js';
import { loadModelFile } from '../model-file/model-file-node.js';
import { DEFAULT_MODEL_FILE } from '../zoo/default-model.js';
import { EGIC_SMALL_CONFIG } from '../zoo/egic-config.js';
import { MRIC_SMALL_CONFIG } from '../zoo/mric.js';
import { createModel } from '../zoo/registry.js';
import { decodeCheckStream, encodeCheckStream } from './check-stream.js';
import type { CompressedImage, ImageCodec } from './image-codec.js';
import { pixelsOf } from './tiling.js';

beforeAll(async () => {
  await setBackend('wasm');
});

/** An image with structure everywhere, so a wrong band or window shows. */
function image(h: number, w: number): Float32Array {
  return Float32Array.from({ length: h * w * 3 }, (_, i) => {
    const p = Math.floor(i / 3);
    return 0.5 + 0.4 * Math.sin((p % w) / 3 + (i % 3)) * Math.cos(Math.floor(p / w) / 5) + 0.05 * Math.sin(i * 12.9898);
  });
}

// Whole latent (one band) against bands of 4 and 8 latent rows; tiles of 8 latent pixels.
const WHOLE = { tile: 8, band: 1 << 20 };
const BANDS = [4, 8].map((band) => ({ tile: 8, band }));

// The trained default model (an untrained hyper-latent is nearly constant, so a band window
// too small would go unnoticed), an untrained stride-16 model and the small ChARM codecs
// (slices coded band by band: their slice transforms read the rows around a band, and
// egic-orp's Swin h_s runs whole); heights that leave a partial last band and a partial
// last tile.
const MODELS: readonly [string, unknown, number][] = [
  ['the default model', undefined, 8 * 36],
  ['mbt2018-mean', { N: 8, M: 12 }, 16 * 20],
  ['bls2017', { N: 8, M: 12 }, 16 * 20],
  ['mric', MRIC_SMALL_CONFIG, 16 * 21],
  ['egic-orp', EGIC_SMALL_CONFIG, 16 * 21],
];

describe.each(MODELS)('banded entropy coding equals the whole latent bit for bit, %s', (name, config, height) => {
  let model: ImageCodec;
  const width = 136;
  const rgb = image(height, width);
  let whole: CompressedImage;
  beforeAll(async () => {
    if (config === undefined) model = (await loadModelFile(DEFAULT_MODEL_FILE)).model;
    else {
      model = createModel(name, config as BaselineConfig);
      model.update();
    }
    whole = await model.compressPixels(rgb, height, width, undefined, WHOLE);
  });
  afterAll(() => model.dispose());

  it('streams identical whatever the band height, from an array or from rows', async () => {
    const before = tf.memory().numTensors;
    for (const limits of BANDS) {
      const banded = await model.compressPixels(rgb, height, width, undefined, limits);
      expect(banded.streams).toEqual(whole.streams);
      const rows = await model.compressPixels(pixelsOf(rgb, height, width), height, width, undefined, limits);
      expect(rows.streams).toEqual(whole.streams);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('pixels identical, delivered in order by decompressRows', async () => {
    const before = tf.memory().numTensors;
    const reference = await model.decompressPixels(whole, undefined, WHOLE);
    for (const limits of BANDS) {
      expect(await model.decompressPixels(whole, undefined, limits)).toEqual(reference);
      let next = 0;
      await model.decompressRows(
        whole,
        (y0, rows) => {
          expect(y0).toBe(next);
          expect(rows).toEqual(reference.subarray(y0 * width * 3, y0 * width * 3 + rows.length));
          next = y0 + rows.length / (width * 3);
        },
        undefined,
        limits,
      );
      expect(next).toBe(height);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a damaged y stream and tells a parameter mismatch from damage', async () => {
    const before = tf.memory().numTensors;
    const limits = BANDS[0]!;
    const y = whole.streams[0]!.slice();
    y[Math.floor(y.length / 2)]! ^= 0x10;
    const damaged = { ...whole, streams: [y, ...whole.streams.slice(1)] };
    await expect(model.decompressPixels(damaged, undefined, limits)).rejects.toThrow(CorruptStreamError);
    if (name === 'bls2017') return; // a factorized prior has no entropy parameters to mismatch
    const check = decodeCheckStream(whole.streams[whole.streams.length - 1]!);
    const part = check.check.parts[0]!;
    const other = encodeCheckStream({ backend: check.backend, check: { ...check.check, parts: [{ ...part, indexes: part.indexes ^ 1 }] } });
    const mismatched = { ...whole, streams: [...whole.streams.slice(0, -1), other] };
    await expect(model.decompressPixels(mismatched, undefined, limits)).rejects.toThrow(ParameterMismatchError);
    await expect(model.decompressPixels(mismatched, undefined, WHOLE)).rejects.toThrow(ParameterMismatchError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
