import { CorruptStreamError, LimitExceededError, ShapeError, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BaselineConfig } from '../zoo/baseline-config.js';
import { MRIC_SMALL_CONFIG } from '../zoo/mric.js';
import { createModel } from '../zoo/registry.js';
import { DEFAULT_BAND, DEFAULT_BAND_VALUES, DEFAULT_MAX_PIXELS, checkPixelLimit, resolveBand, resolveMaxPixels } from './image-limits.js';
import type { CompressedImage, ImageCodec } from './image-codec.js';

beforeAll(async () => {
  await setBackend('wasm');
});

const CONFIGS: readonly [string, unknown][] = [
  ['bls2017', { N: 8, M: 12 }],
  ['bmshj2018', { N: 8, M: 12 }],
  ['mbt2018-mean', { N: 8, M: 12 }],
  ['mric', MRIC_SMALL_CONFIG],
];

function forged(c: CompressedImage, width: number, height: number, m: number): CompressedImage {
  const pad = (v: number): number => Math.ceil(v / m) * m;
  return { ...c, width, height, paddedWidth: pad(width), paddedHeight: pad(height) };
}

describe('pixel limit', () => {
  it('defaults to 2^28 and accepts Infinity; refuses other non-integers', () => {
    expect(resolveMaxPixels(undefined)).toBe(DEFAULT_MAX_PIXELS);
    expect(resolveMaxPixels({ maxPixels: Infinity })).toBe(Infinity);
    for (const bad of [0, -1, 1.5, NaN]) expect(() => resolveMaxPixels({ maxPixels: bad })).toThrow(/maxPixels must be/);
    expect(() => checkPixelLimit(16384, 16384, undefined)).not.toThrow();
    expect(() => checkPixelLimit(16384, 16385, undefined)).toThrow(LimitExceededError);
    expect(() => checkPixelLimit(65536, 65536, undefined)).toThrow(/--max-pixels 4294967296/);
  });
});

describe.each(CONFIGS)('forged geometry, %s', (name, config) => {
  let model: ImageCodec;
  let real: CompressedImage;
  beforeAll(async () => {
    model = createModel(name, config as BaselineConfig);
    model.update();
    // A constant image: the most compressible input, the one closest to the stream bounds.
    const x = tf.fill([1, 64, 64, 3], 0.5) as tf.Tensor4D;
    real = await model.compress(x);
    x.dispose();
  });

  it('genuine streams pass the length bounds, at several sizes, for constant and noisy images', async () => {
    for (const [h, w, noisy] of [
      [64, 64, false],
      [130, 70, false],
      [96, 200, true],
    ] as const) {
      const x = (noisy ? tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 7) : tf.fill([1, h, w, 3], 0.25)) as tf.Tensor4D;
      const c = await model.compress(x);
      const y = await model.decompress(c);
      expect(y.shape).toEqual([1, h, w, 3]);
      tf.dispose([x, y]);
    }
  });

  it("refuses the issue's forged headers before allocating anything", async () => {
    const m = model.padMultiple;
    const before = tf.memory().numTensors;
    const cases: [CompressedImage, new (...a: never[]) => Error][] = [
      [forged(real, 65536, 65536, m), LimitExceededError],
      [forged(real, 2 ** 31 - 64, 1, m), LimitExceededError],
      [forged(real, 2 ** 31, 32, m), LimitExceededError],
      [forged(real, 4096, 4096, m), CorruptStreamError],
      [{ ...real, paddedWidth: real.paddedWidth + 1 }, ShapeError],
      [{ ...real, width: 0 }, ShapeError],
      [{ ...real, streams: real.streams.slice(1) }, CorruptStreamError],
    ];
    for (const [image, kind] of cases) await expect(model.decompress(image)).rejects.toThrow(kind);
    // Raised limit: the streams still cannot hold the declared image.
    await expect(model.decompress(forged(real, 65536, 65536, m), undefined, { maxPixels: Infinity })).rejects.toThrow(
      /stream "(y|z)" has \d+ bytes, but a 65536x65536 image needs at least \d+/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('compress refuses images above the limit, and a raised limit lets them through', async () => {
    const x = tf.fill([1, 64, 64, 3], 0.5) as tf.Tensor4D;
    await expect(model.compress(x, undefined, { maxPixels: 64 * 64 - 1 })).rejects.toThrow(LimitExceededError);
    const c = await model.compress(x, undefined, { maxPixels: 64 * 64 });
    await expect(model.decompress(c, undefined, { maxPixels: 100 })).rejects.toThrow(LimitExceededError);
    tf.dispose([x, await model.decompress(c, undefined, { maxPixels: 64 * 64 })]);
  });
});

describe('band height', () => {
  it('the default is lowered for wide latents so a band holds at most DEFAULT_BAND_VALUES values; a given band is kept', () => {
    expect(resolveBand(undefined)).toBe(DEFAULT_BAND);
    expect(resolveBand(undefined, 250 * 192)).toBe(DEFAULT_BAND); // 2000 pixels wide, 192 channels at stride 8
    const wide = 1500 * 192; // 12000 pixels wide
    expect(resolveBand(undefined, wide)).toBe(Math.floor(DEFAULT_BAND_VALUES / wide));
    expect(resolveBand(undefined, DEFAULT_BAND_VALUES * 2)).toBe(1);
    expect(resolveBand({ band: 200 }, wide)).toBe(200);
  });
});
