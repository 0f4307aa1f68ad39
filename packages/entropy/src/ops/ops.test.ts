import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { roundStraightThrough } from './round-straight-through.js';
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
});
