import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestBackend } from '../testing/helpers.js';
import { expectNoLeak, maxAbsDiff, useBackend } from '../testing/helpers.js';
import { conv2dInputGradient, frozenConvRelu } from './frozen-conv.js';

/** [kernel, stride, pad, height, width]: LPIPS's convolutions and awkward sizes. */
const CONFIGS = [
  [11, 4, 2, 37, 41], // AlexNet conv1
  [5, 1, 2, 12, 13],
  [3, 1, 1, 9, 8],
  [3, 2, 0, 17, 20], // SqueezeNet conv1
  [3, 2, 1, 16, 15],
  [1, 1, 0, 5, 6],
  [2, 3, 0, 11, 10], // stride above the kernel size: some input pixels get no gradient
] as const;

describe.each<TestBackend>(['wasm', 'cpu'])('frozen convolutions on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it("conv2dInputGradient equals TF.js's Conv2DBackpropInput", () =>
    expectNoLeak(() => {
      CONFIGS.forEach(([k, s, p, h, w], i) => {
        tf.tidy(() => {
          const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', i) as tf.Tensor4D;
          const filter = tf.randomNormal([k, k, 3, 4], 0, 1, 'float32', 100 + i) as tf.Tensor4D;
          const y = tf.conv2d(x, filter, s, p === 0 ? 'valid' : p);
          const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 200 + i) as tf.Tensor4D;
          const expected = tf.conv2dTranspose(dy, filter, x.shape, s, p === 0 ? 'valid' : p);
          const got = conv2dInputGradient(dy, filter, x.shape, s, p);
          expect(got.shape).toEqual(x.shape);
          expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);
        });
      });
    }));

  it('frozenConvRelu computes concat(relu(conv + bias)) with the autodiff input gradient', () =>
    expectNoLeak(() => {
      tf.tidy(() => {
        const x = tf.randomNormal([2, 13, 11, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
        const branches = [
          { filter: tf.randomNormal([1, 1, 5, 3], 0, 1, 'float32', 2) as tf.Tensor4D, bias: tf.randomNormal([3], 0, 1, 'float32', 3), pad: 0 },
          { filter: tf.randomNormal([3, 3, 5, 4], 0, 1, 'float32', 4) as tf.Tensor4D, bias: tf.randomNormal([4], 0, 1, 'float32', 5), pad: 1 },
        ];
        const plain = (input: tf.Tensor): tf.Tensor =>
          tf.concat(
            branches.map((b) => tf.relu(tf.add(tf.conv2d(input as tf.Tensor4D, b.filter, 1, b.pad === 0 ? 'valid' : b.pad), b.bias))),
            3,
          );
        const dy = tf.randomNormal([2, 13, 11, 7], 0, 1, 'float32', 6);
        expect(maxAbsDiff(frozenConvRelu(x, branches, 1), plain(x))).toBeLessThan(1e-5);
        const expected = tf.grad(plain)(x, dy);
        const got = tf.grad((input: tf.Tensor) => frozenConvRelu(input as tf.Tensor4D, branches, 1))(x, dy);
        expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);
        // A strided single branch (AlexNet's first layer).
        const big = tf.randomNormal([1, 35, 39, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
        const first = [{ filter: tf.randomNormal([11, 11, 3, 8], 0, 0.1, 'float32', 8) as tf.Tensor4D, bias: tf.zeros([8]), pad: 2 }];
        const plainFirst = (input: tf.Tensor): tf.Tensor => tf.relu(tf.conv2d(input as tf.Tensor4D, first[0]!.filter, 4, 2));
        const dyFirst = tf.randomNormal([1, 8, 9, 8], 0, 1, 'float32', 9);
        const gotFirst = tf.grad((input: tf.Tensor) => frozenConvRelu(input as tf.Tensor4D, first, 4))(big, dyFirst);
        expect(maxAbsDiff(gotFirst, tf.grad(plainFirst)(big, dyFirst))).toBeLessThan(1e-4);
      });
    }));
});
