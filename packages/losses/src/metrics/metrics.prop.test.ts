import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, useBackend, values } from '../testing/helpers.js';
import { msSsim } from './ms-ssim.js';
import { mse } from './mse.js';
import { psnr } from './psnr.js';

beforeAll(() => useBackend('wasm'));

/** Small MS-SSIM settings (3 scales, 5x5 window): images from 17x17. */
const SMALL = { weights: [0.2, 0.3, 0.5], filterSize: 5, filterSigma: 1 } as const;

/** A pair of random image batches in [0, 1]; `y` is a random blend of `x` and noise. */
const imagePair = (minSize: number) =>
  fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: minSize, max: minSize + 9 }),
    w: fc.integer({ min: minSize, max: minSize + 9 }),
    c: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
    mix: fc.double({ min: 0.01, max: 1, noNaN: true }),
  });

function makePair(p: { n: number; h: number; w: number; c: number; seed: number; mix: number }): [tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const shape: [number, number, number, number] = [p.n, p.h, p.w, p.c];
    const x = tf.randomUniform(shape, 0, 1, 'float32', p.seed) as tf.Tensor4D;
    const noise = tf.randomUniform(shape, 0, 1, 'float32', p.seed + 1);
    return [x, tf.add(tf.mul(x, 1 - p.mix), tf.mul(noise, p.mix)) as tf.Tensor4D];
  });
}

const close = (a: number[], b: number[], tolerance: number): void => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(v))));
};

describe('metric properties', () => {
  it('MSE is symmetric, non-negative and scales with the square of the pixel scale', () =>
    expectNoLeak(() =>
      fc.assert(
        fc.property(imagePair(1), fc.double({ min: 0.1, max: 10, noNaN: true }), (p, a) => {
          const [x, y] = makePair(p);
          const [ax, ay] = [tf.mul(x, a) as tf.Tensor4D, tf.mul(y, a) as tf.Tensor4D];
          const results = [mse(x, y), mse(y, x), mse(ax, ay)];
          const [xy, yx, scaled] = results.map(values);
          expect(xy).toEqual(yx);
          expect(xy!.every((v) => v >= 0)).toBe(true);
          close(
            scaled!,
            xy!.map((v) => a * a * v),
            1e-4,
          );
          tf.dispose([x, y, ax, ay, ...results]);
        }),
        { numRuns: 25 },
      ),
    ));

  it('PSNR is symmetric, invariant to a common offset, and to scaling with dataRange', () =>
    expectNoLeak(() =>
      fc.assert(
        fc.property(imagePair(1), fc.double({ min: 0.5, max: 300, noNaN: true }), (p, a) => {
          const [x, y] = makePair(p);
          const [sx, sy] = [tf.mul(x, a) as tf.Tensor4D, tf.mul(y, a) as tf.Tensor4D];
          const [ox, oy] = [tf.add(x, 0.25) as tf.Tensor4D, tf.add(y, 0.25) as tf.Tensor4D];
          const results = [psnr(x, y), psnr(y, x), psnr(sx, sy, { dataRange: a }), psnr(ox, oy)];
          const [xy, yx, scaled, offset] = results.map(values);
          expect(xy).toEqual(yx);
          close(scaled!, xy!, 1e-3);
          close(offset!, xy!, 1e-3);
          tf.dispose([x, y, sx, sy, ox, oy, ...results]);
        }),
        { numRuns: 25 },
      ),
    ));

  it('MS-SSIM is symmetric, within [0, 1], and invariant to scaling with dataRange', () =>
    expectNoLeak(() =>
      fc.assert(
        fc.property(imagePair(17), fc.double({ min: 0.5, max: 300, noNaN: true }), (p, a) => {
          const [x, y] = makePair(p);
          const [sx, sy] = [tf.mul(x, a) as tf.Tensor4D, tf.mul(y, a) as tf.Tensor4D];
          const results = [msSsim(x, y, SMALL), msSsim(y, x, SMALL), msSsim(sx, sy, { ...SMALL, dataRange: a })];
          const [xy, yx, scaled] = results.map(values);
          close(yx!, xy!, 1e-5);
          expect(xy!.every((v) => v >= 0 && v <= 1 + 1e-6)).toBe(true);
          close(scaled!, xy!, 2e-3);
          tf.dispose([x, y, sx, sy, ...results]);
        }),
        { numRuns: 20 },
      ),
    ));
});
