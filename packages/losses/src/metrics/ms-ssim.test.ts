import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestBackend } from '../testing/helpers.js';
import { expectNoLeak, finiteDifferenceError, pattern, patternTensor, useBackend, values } from '../testing/helpers.js';
import { MS_SSIM_WEIGHTS, msSsim, msSsimLoss, msSsimMinimumSize } from './ms-ssim.js';

/** Small settings (3 scales, 5x5 window) that accept images from 17x17 pixels. */
const SMALL = { weights: [0.2, 0.3, 0.5], filterSize: 5, filterSigma: 1 } as const;

/**
 * Reference values from an independent float64 NumPy / SciPy implementation of
 * Wang et al. (2003) as TensorFlow's `tf.image.ssim_multiscale` computes it (2-D
 * `correlate2d(..., 'valid')` with the Gaussian window, symmetric padding of odd sizes
 * before 2x2 averaging), on the float32 images of `pattern()`.
 */
const REFERENCE = {
  /** pattern(2, 165, 170, 3, seed 0) against seed 1. */
  distinct: [0.45324989, 0.45630603],
  /** pattern(2, 165, 170, 3, 0) against it plus 0.05 sin(3.1 i + 0.7 j). */
  close: [0.99788549, 0.99788558],
  /** pattern(1, 23, 31, 1, 2) against 0.7 of it plus 0.3 pattern(.., 3), SMALL settings. */
  small: [0.89187142],
};

function closeImage(): tf.Tensor4D {
  const [n, h, w, c] = [2, 165, 170, 3];
  const x = pattern(n, h, w, c, 0);
  const y = new Float32Array(x.length);
  let p = 0;
  for (let m = 0; m < n; m++)
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++, p++) y[p] = x[p]! + 0.05 * Math.sin(3.1 * i + 0.7 * j);
  return tf.tensor4d(y, [n, h, w, c]);
}

function smallPair(): [tf.Tensor4D, tf.Tensor4D] {
  const a = pattern(1, 23, 31, 1, 2);
  const b = pattern(1, 23, 31, 1, 3);
  const mixed = Float32Array.from(a, (v, i) => 0.7 * v + 0.3 * b[i]!);
  return [tf.tensor4d(a, [1, 23, 31, 1]), tf.tensor4d(mixed, [1, 23, 31, 1])];
}

describe.each<TestBackend>(['wasm', 'cpu'])('msSsim on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('matches float64 reference values (3 channels, odd sizes, dataRange 1 and 255)', () =>
    expectNoLeak(() => {
      const x = patternTensor(2, 165, 170, 3, 0);
      const y = patternTensor(2, 165, 170, 3, 1);
      const y2 = closeImage();
      const [xs, ys] = smallPair();
      const x255 = tf.mul(x, 255) as tf.Tensor4D;
      const y255 = tf.mul(y, 255) as tf.Tensor4D;
      const results = [msSsim(x, y), msSsim(x, y2), msSsim(x255, y255, { dataRange: 255 }), msSsim(xs, ys, SMALL)];
      const [distinct, close, scaled, small] = results.map(values);
      distinct!.forEach((v, i) => expect(v).toBeCloseTo(REFERENCE.distinct[i]!, 4));
      close!.forEach((v, i) => expect(v).toBeCloseTo(REFERENCE.close[i]!, 4));
      scaled!.forEach((v, i) => expect(v).toBeCloseTo(REFERENCE.distinct[i]!, 4));
      expect(small![0]).toBeCloseTo(REFERENCE.small[0]!, 4);
      tf.dispose([x, y, y2, xs, ys, x255, y255, ...results]);
    }));

  it('is 1 for identical images at the minimum size, and 1 - msSsim is the loss', () =>
    expectNoLeak(() => {
      const x = patternTensor(2, 161, 163, 2, 4);
      const same = msSsim(x, x);
      for (const v of values(same)) expect(v).toBeCloseTo(1, 6);
      const y = patternTensor(2, 161, 163, 2, 5);
      const m = msSsim(x, y);
      const loss = msSsimLoss(x, y);
      const perImageLoss = msSsimLoss(x, y, { reduction: 'none' });
      const [a, b] = values(m);
      expect(loss.shape).toEqual([]);
      expect(values(loss)[0]).toBeCloseTo(1 - (a! + b!) / 2, 6);
      expect(values(perImageLoss)[1]).toBeCloseTo(1 - b!, 6);
      tf.dispose([x, y, same, m, loss, perImageLoss]);
    }));

  it('has gradients that match finite differences (default settings and small ones)', () =>
    expectNoLeak(() => {
      const x = patternTensor(1, 161, 165, 1, 0);
      const y = patternTensor(1, 161, 165, 1, 1);
      const err = finiteDifferenceError((a) => msSsimLoss(a as tf.Tensor4D, y), x, { step: 1e-3, randomDirections: 2, seed: 1 });
      expect(err).toBeLessThan(2e-2);
      const [xs, ys] = smallPair();
      const xs2 = tf.concat([xs, ys], 3) as tf.Tensor4D;
      const ys2 = tf.concat([ys, xs], 3) as tf.Tensor4D;
      const errSmall = finiteDifferenceError((b) => msSsimLoss(xs2, b as tf.Tensor4D, SMALL), ys2, {
        step: 1e-3,
        randomDirections: 3,
        seed: 7,
      });
      expect(errSmall).toBeLessThan(2e-2);
      tf.dispose([x, y, xs, ys, xs2, ys2]);
    }));

  it('clamps negative contrast-structure terms to 0 with finite gradients', () =>
    expectNoLeak(() => {
      const x = patternTensor(1, 24, 24, 1, 0);
      const inverted = tf.sub(1, x) as tf.Tensor4D;
      const m = msSsim(x, inverted, SMALL);
      expect(values(m)[0]).toBe(0);
      const g = tf.grad((a: tf.Tensor) => msSsimLoss(a as tf.Tensor4D, inverted, SMALL))(x);
      expect(values(g).every(Number.isFinite)).toBe(true);
      tf.dispose([x, inverted, m, g]);
    }));
});

describe('msSsim input checks', () => {
  beforeAll(() => useBackend('wasm'));

  it('needs 161x161 pixels with the defaults and says so', () =>
    expectNoLeak(() => {
      expect(msSsimMinimumSize()).toBe(161);
      expect(msSsimMinimumSize(SMALL)).toBe(17);
      expect(MS_SSIM_WEIGHTS).toEqual([0.0448, 0.2856, 0.3001, 0.2363, 0.1333]);
      const tall = tf.zeros([1, 200, 160, 3]) as tf.Tensor4D;
      const wide = tf.zeros([1, 160, 200, 3]) as tf.Tensor4D;
      expect(() => msSsim(tall, tall)).toThrow(ShapeError);
      expect(() => msSsim(wide, wide)).toThrow(/at least 161x161 pixels for 5 scales.*found 160x200/);
      const tiny = tf.zeros([1, 16, 16, 1]) as tf.Tensor4D;
      expect(() => msSsim(tiny, tiny, SMALL)).toThrow(/at least 17x17/);
      tf.dispose([tall, wide, tiny]);
    }));

  it('refuses invalid options', () =>
    expectNoLeak(() => {
      const x = tf.zeros([1, 17, 17, 1]) as tf.Tensor4D;
      expect(() => msSsim(x, x, { ...SMALL, filterSize: 0 })).toThrow(InvalidArgumentError);
      expect(() => msSsim(x, x, { ...SMALL, filterSize: 2.5 })).toThrow(InvalidArgumentError);
      expect(() => msSsim(x, x, { ...SMALL, k1: 0 })).toThrow(InvalidArgumentError);
      expect(() => msSsim(x, x, { ...SMALL, weights: [] })).toThrow(InvalidArgumentError);
      expect(() => msSsim(x, x, { ...SMALL, weights: [0.5, -1] })).toThrow(InvalidArgumentError);
      expect(() => msSsim(x, x, { ...SMALL, dataRange: -1 })).toThrow(InvalidArgumentError);
      tf.dispose(x);
    }));

  it('skips scales whose weight is 0 (a factor of 1)', () =>
    expectNoLeak(() => {
      const [xs, ys] = smallPair();
      const full = msSsim(xs, ys, SMALL);
      const skipped = msSsim(xs, ys, { ...SMALL, weights: [0.2, 0, 0.5] });
      const onlyLast = msSsim(xs, ys, { ...SMALL, weights: [0, 0, 0.5] });
      expect(values(skipped)[0]!).toBeGreaterThan(values(full)[0]!);
      expect(values(onlyLast)[0]!).toBeGreaterThan(values(skipped)[0]!);
      tf.dispose([xs, ys, full, skipped, onlyLast]);
    }));
});
