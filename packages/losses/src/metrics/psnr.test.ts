import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, patternTensor, useBackend, values } from '../testing/helpers.js';
import { psnr } from './psnr.js';

beforeAll(() => useBackend('wasm'));

describe('psnr', () => {
  it('is +Infinity for identical images', () =>
    expectNoLeak(() => {
      const x = patternTensor(3, 6, 7, 3, 0);
      const p = psnr(x, x);
      const mean = psnr(x, x, { reduction: 'mean' });
      expect(values(p)).toEqual([Infinity, Infinity, Infinity]);
      expect(values(mean)).toEqual([Infinity]);
      tf.dispose([x, p, mean]);
    }));

  it('is 20 log10(255 / d) for a constant offset of d gray levels (0-255 scale)', () =>
    expectNoLeak(() => {
      const x = patternTensor(2, 6, 7, 3, 0);
      for (const levels of [1, 10, 64]) {
        const y = tf.add(x, levels / 255) as tf.Tensor4D;
        const p = psnr(x, y);
        for (const v of values(p)) expect(v).toBeCloseTo(20 * Math.log10(255 / levels), 4);
        tf.dispose([y, p]);
      }
      tf.dispose(x);
    }));

  it('gives the same dB for [0, 255] images with dataRange 255', () =>
    expectNoLeak(() => {
      const x = patternTensor(2, 6, 7, 3, 0);
      const y = patternTensor(2, 6, 7, 3, 1);
      const x255 = tf.mul(x, 255) as tf.Tensor4D;
      const y255 = tf.mul(y, 255) as tf.Tensor4D;
      const p1 = psnr(x, y);
      const p255 = psnr(x255, y255, { dataRange: 255 });
      const a = values(p1);
      const b = values(p255);
      expect(b[0]).toBeCloseTo(a[0]!, 4);
      expect(b[1]).toBeCloseTo(a[1]!, 4);
      tf.dispose([x, y, x255, y255, p1, p255]);
    }));

  it('averages per-image PSNR with reduction mean (not the PSNR of the mean MSE)', () =>
    expectNoLeak(() => {
      const x = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
      const y = tf.tidy(() => tf.concat([tf.fill([1, 2, 2, 1], 0.1), tf.fill([1, 2, 2, 1], 0.01)])) as tf.Tensor4D;
      const p = psnr(x, y, { reduction: 'mean' });
      expect(values(p)[0]).toBeCloseTo((20 + 40) / 2, 4);
      tf.dispose([x, y, p]);
    }));

  it('is differentiable, with the closed-form gradient', () =>
    expectNoLeak(() => {
      const x = tf.zeros([1, 1, 2, 1]) as tf.Tensor4D;
      const y = tf.tensor4d([0.1, 0.2], [1, 1, 2, 1]);
      const g = tf.grad((b: tf.Tensor) => psnr(x, b as tf.Tensor4D, { reduction: 'mean' }))(y);
      // PSNR = -10 log10(mean(y^2)); d/dy_i = -(10 / ln 10) * (2 y_i / 2) / mean(y^2)
      const m = (0.01 + 0.04) / 2;
      const expected = [0.1, 0.2].map((v) => (-(10 / Math.LN10) * v) / m);
      const got = values(g);
      expect(got[0]).toBeCloseTo(expected[0]!, 2);
      expect(got[1]).toBeCloseTo(expected[1]!, 2);
      tf.dispose([x, y, g]);
    }));

  it('refuses bad input with typed errors', () =>
    expectNoLeak(() => {
      const a = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
      const b = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
      expect(() => psnr(a, b)).toThrow(ShapeError);
      expect(() => psnr(a, a, { dataRange: 0 })).toThrow(InvalidArgumentError);
      expect(() => psnr(a, a, { dataRange: Number.NaN })).toThrow(InvalidArgumentError);
      tf.dispose([a, b]);
    }));
});
