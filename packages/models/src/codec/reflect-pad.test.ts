import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { padImage, reflectIndex, reflectPad } from './reflect-pad.js';
import { replicatePad } from './replicate-pad.js';

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('reflectPad', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('reflectIndex mirrors without repeating the edge, periodically', () => {
    expect(Array.from({ length: 12 }, (_, i) => reflectIndex(i, 4))).toEqual([0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1]);
    expect(Array.from({ length: 4 }, (_, i) => reflectIndex(i, 1))).toEqual([0, 0, 0, 0]);
    expect(reflectIndex(-1, 4)).toBe(1);
  });

  it('equals tf.mirrorPad(reflect) where that applies, extends it periodically beyond, leaks nothing', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(
      Array.from({ length: 2 * 3 * 4 * 2 }, (_, i) => i),
      [2, 3, 4, 2],
    );
    const a = reflectPad(x, 2, 3);
    const b = tf.mirrorPad(
      x,
      [
        [0, 0],
        [0, 2],
        [0, 3],
        [0, 0],
      ],
      'reflect',
    );
    expect(a.shape).toEqual([2, 5, 7, 2]);
    expect(values(a)).toEqual(values(b));
    // A padding wider than the image (3 rows -> 10): rows 0 1 2 1 0 1 2 1 0 1.
    const wide = reflectPad(x, 7, 0);
    const unstacked = tf.unstack(wide, 1);
    const rows = unstacked.map((r) => values(r)[0]);
    expect(rows).toEqual([0, 1, 2, 1, 0, 1, 2, 1, 0, 1].map((r) => r * 8));
    const viaMode = padImage(x, 1, 1, 'replicate');
    const replicated = replicatePad(x, 1, 1);
    expect(values(viaMode)).toEqual(values(replicated));
    tf.dispose([x, a, b, wide, ...unstacked, viaMode, replicated]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is differentiable: the gradient counts how often each pixel is used', () => {
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(reflectPad(t as tf.Tensor4D, 0, 3)))(x);
    // Columns 0 1 2 1 0 1: pixel 0 twice, pixel 1 three times, pixel 2 once.
    expect(values(g)).toEqual([2, 3, 1]);
    tf.dispose([x, g]);
  });
});
