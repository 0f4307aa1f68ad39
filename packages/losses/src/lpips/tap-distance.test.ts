import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, maxAbsDiff, useBackend, values } from '../testing/helpers.js';
import { NORM_EPS, SQUARED_NORM_FLOOR, tapDistance } from './tap-distance.js';

beforeAll(() => useBackend('wasm'));

/** The same term with TF.js autodiff: normalize, squared difference, channel weights, spatial mean. */
function plain(features: tf.Tensor, head: tf.Tensor, n: number): tf.Tensor1D {
  const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(features), 3, true), SQUARED_NORM_FLOOR));
  const unit = tf.div(features, tf.add(norm, NORM_EPS));
  const [a, b] = tf.split(unit, 2, 0);
  return tf.reshape(tf.matMul(tf.mean(tf.squaredDifference(a!, b!), [1, 2]) as tf.Tensor2D, tf.reshape(head, [-1, 1])), [n]);
}

describe('tapDistance', () => {
  it('matches the autodiff formula in value and gradient', () =>
    expectNoLeak(() => {
      tf.tidy(() => {
        const f = tf.abs(tf.randomNormal([4, 5, 6, 7], 0, 1, 'float32', 1)) as tf.Tensor4D;
        const head = tf.randomUniform([7], 0, 1, 'float32', 2);
        const dy = tf.tensor1d([0.5, -2]);
        expect(maxAbsDiff(tapDistance(f, head, 2), plain(f, head, 2))).toBeLessThan(1e-6);
        const got = tf.grad((t: tf.Tensor) => tapDistance(t as tf.Tensor4D, head, 2))(f, dy);
        const expected = tf.grad((t: tf.Tensor) => plain(t, head, 2))(f, dy);
        expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5 * tf.max(tf.abs(expected)).dataSync()[0]!);
      });
    }));

  it('keeps gradients finite for all-zero feature vectors (dead ReLUs), where the autodiff formula agrees', () =>
    expectNoLeak(() => {
      tf.tidy(() => {
        // Half the positions of every image are zero vectors.
        const mask = tf.tile(tf.tensor4d([1, 0], [1, 1, 2, 1]), [2, 3, 2, 4]);
        const f = tf.mul(tf.randomUniform([2, 3, 4, 4], 0, 1, 'float32', 3), mask) as tf.Tensor4D;
        const head = tf.ones([4]);
        const d = tapDistance(f, head, 1);
        expect(Number.isFinite(values(d)[0]!)).toBe(true);
        const g = tf.grad((t: tf.Tensor) => tapDistance(t as tf.Tensor4D, head, 1))(f);
        expect(values(g).every(Number.isFinite)).toBe(true);
        // There the slope of f / (|f| + eps) is 1 / eps; the ReLU before every tap masks it.
        const expected = tf.grad((t: tf.Tensor) => plain(t, head, 1))(f);
        expect(maxAbsDiff(g, expected)).toBeLessThan(1e-5 * tf.max(tf.abs(expected)).dataSync()[0]!);
      });
    }));
});
