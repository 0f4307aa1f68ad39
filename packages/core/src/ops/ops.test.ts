import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
// Through the package entry, which registers TF.js's gradients.
import { InvalidArgumentError, lowerBound, setBackend, stopGradient } from '../index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const data = (t: tf.Tensor): number[] => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('gradient ops', () => {
  it.each([
    ['identity_if_towards', [0, -1, 1, 1]],
    ['identity', [1, -1, 1, 1]],
    ['disconnected', [0, 0, 1, 1]],
  ] as const)('lowerBound with %s gradient', (mode, expected) => {
    // x = [-1, -1, 2, 3] bounded below by 0; upstream gradients dy = [1, -1, 1, 1].
    const x = tf.tensor1d([-1, -1, 2, 3]);
    const dy = tf.tensor1d([1, -1, 1, 1]);
    expect(data(tf.tidy(() => lowerBound(x, 0, mode)))).toEqual([0, 0, 2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(lowerBound(v, 0, mode), dy)))(x);
    expect(data(g)).toEqual(expected);
    tf.dispose([x, dy]);
    expect(() => lowerBound(tf.scalar(1), 0, 'bogus' as never)).toThrow(InvalidArgumentError);
  });

  it('stopGradient is the identity forward and blocks the gradient', () => {
    const x = tf.tensor1d([1, 2]);
    expect(data(tf.tidy(() => stopGradient(x)))).toEqual([1, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(stopGradient(v), v), 0)))(x);
    expect(data(g)).toEqual([1, 2]); // d/dv (sg(v) * v) = sg(v)
    x.dispose();
  });
});
