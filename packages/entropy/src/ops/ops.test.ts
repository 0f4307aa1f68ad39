import { InvalidArgumentError, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lowerBound } from './lower-bound.js';
import { roundStraightThrough } from './round-straight-through.js';
import { stopGradient } from './stop-gradient.js';
import { addUniformNoise } from './uniform-noise.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const data = (t: tf.Tensor): number[] => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('ops', () => {
  it('roundStraightThrough rounds (with offset) and passes the gradient unchanged', () => {
    const start = tf.memory().numTensors;
    const x = tf.tensor1d([0.4, 0.6, -1.7, 2.5]);
    expect(data(tf.tidy(() => roundStraightThrough(x)))).toEqual([0, 1, -2, 2]);
    expect(data(tf.tidy(() => roundStraightThrough(x, 0.25)))).toEqual([0.25, 0.25, -1.75, 2.25]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(roundStraightThrough(v), tf.tensor1d([1, 2, 3, 4]))))(x);
    expect(data(g)).toEqual([1, 2, 3, 4]);
    x.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

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

  it('addUniformNoise stays within half a unit, is reproducible with a seed and centred', () => {
    const x = tf.zeros([20000]);
    const a = addUniformNoise(x, 3);
    const b = addUniformNoise(x, 3);
    const va = data(a);
    expect(va).toEqual(data(b));
    expect(Math.max(...va.map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(Math.abs(va.reduce((s, v) => s + v, 0) / va.length)).toBeLessThan(0.01);
    x.dispose();
  });

  it('stopGradient is the identity forward and blocks the gradient', () => {
    const x = tf.tensor1d([1, 2]);
    expect(data(tf.tidy(() => stopGradient(x)))).toEqual([1, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(stopGradient(v), v), 0)))(x);
    expect(data(g)).toEqual([1, 2]); // d/dv (sg(v) * v) = sg(v)
    x.dispose();
  });
});
