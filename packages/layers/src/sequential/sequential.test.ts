import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Conv2d } from '../conv/conv2d.js';
import { Sequential, leakyRelu, relu } from './sequential.js';

describe('Sequential', () => {
  it('applies steps in order, names module children by position, leaks nothing', () => {
    const before = tf.memory().numTensors;
    const a = new Conv2d(2, 3, 3);
    const b = new Conv2d(3, 1, 1);
    const seq = new Sequential([a, relu, b, leakyRelu(0.2)]);
    expect([...seq.children().keys()]).toEqual(['0', '2']);
    const dict = seq.stateDict();
    expect(Object.keys(dict).sort()).toEqual(['0.bias', '0.kernel', '2.bias', '2.kernel']);
    tf.dispose(Object.values(dict));
    const x = tf.randomNormal([1, 5, 7, 2]);
    const y = seq.call(x);
    const expected = tf.tidy(() => tf.leakyRelu(b.call(tf.relu(a.call(x))), 0.2));
    expect(y.shape).toEqual([1, 5, 7, 1]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]!)).toBeLessThan(1e-6);
    tf.dispose([x, y, expected]);
    seq.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
  it('refuses an empty list', () => {
    expect(() => new Sequential([])).toThrow(/at least one/);
  });
});
