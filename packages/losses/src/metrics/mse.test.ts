import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, maxAbsDiff, patternTensor, useBackend, values } from '../testing/helpers.js';
import { mse } from './mse.js';

beforeAll(() => useBackend('wasm'));

describe('mse', () => {
  it('is the mean squared difference per image, and its batch mean', () =>
    expectNoLeak(() => {
      const x = tf.tensor4d([0, 0.5, 1, 0.25, 0, 0, 0, 0], [2, 2, 2, 1]);
      const y = tf.tensor4d([0.5, 0.5, 0, 0.25, 0.1, 0.1, 0.1, 0.1], [2, 2, 2, 1]);
      const perImage = mse(x, y);
      const mean = mse(x, y, { reduction: 'mean' });
      expect(perImage.shape).toEqual([2]);
      expect(mean.shape).toEqual([]);
      const [a, b] = values(perImage);
      expect(a).toBeCloseTo((0.25 + 0 + 1 + 0) / 4, 6);
      expect(b).toBeCloseTo(0.01, 6);
      expect(values(mean)[0]).toBeCloseTo((a! + b!) / 2, 6);
      tf.dispose([x, y, perImage, mean]);
    }));

  it('is 0 for identical images and d^2 for a constant offset d', () =>
    expectNoLeak(() => {
      const x = patternTensor(2, 8, 9, 3, 0);
      const shifted = tf.add(x, 10 / 255) as tf.Tensor4D;
      const same = mse(x, x);
      const offset = mse(x, shifted);
      expect(values(same)).toEqual([0, 0]);
      for (const v of values(offset)) expect(v).toBeCloseTo((10 / 255) ** 2, 7);
      tf.dispose([x, shifted, same, offset]);
    }));

  it('has the gradient 2 (x - y) / size', () =>
    expectNoLeak(() => {
      const x = patternTensor(1, 4, 5, 3, 1);
      const y = patternTensor(1, 4, 5, 3, 2);
      const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => mse(a as tf.Tensor4D, b as tf.Tensor4D, { reduction: 'mean' }))([x, y]);
      const expected = tf.tidy(() => tf.mul(tf.sub(x, y), 2 / 60));
      expect(maxAbsDiff(gx!, expected)).toBeLessThan(1e-7);
      const negated = tf.neg(expected);
      expect(maxAbsDiff(gy!, negated)).toBeLessThan(1e-7);
      tf.dispose([x, y, gx!, gy!, expected, negated]);
    }));

  it('refuses bad input with typed errors', () =>
    expectNoLeak(() => {
      const a = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
      const b = tf.zeros([1, 4, 5, 3]) as tf.Tensor4D;
      const rank3 = tf.zeros([4, 4, 3]);
      const ints = tf.zeros([1, 4, 4, 3], 'int32') as tf.Tensor4D;
      const empty = tf.zeros([0, 4, 4, 3]) as tf.Tensor4D;
      expect(() => mse(a, b)).toThrow(ShapeError);
      expect(() => mse(a, b)).toThrow(/same shape.*\[1, 4, 4, 3\].*\[1, 4, 5, 3\]/);
      expect(() => mse(rank3 as tf.Tensor4D, a)).toThrow(ShapeError);
      expect(() => mse(ints, a)).toThrow(InvalidArgumentError);
      expect(() => mse(empty, empty)).toThrow(ShapeError);
      expect(() => mse(a, [] as unknown as tf.Tensor4D)).toThrow(InvalidArgumentError);
      expect(() => mse(a, a, { reduction: 'sum' as 'mean' })).toThrow(InvalidArgumentError);
      tf.dispose([a, b, rank3, ints, empty]);
    }));
});
