import { InvalidArgumentError, setBackend, ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkGradients,
  expectClose,
  expectNoLeak,
  expectStateDictRoundTrip,
  referenceConv2d,
  referenceConvTranspose2d,
  take,
  uniform,
  variableOf,
} from '../test-helpers.js';
import { Conv2d } from './conv2d.js';
import { ConvTranspose2d } from './conv-transpose2d.js';
import { depthToSpace } from './depth-to-space.js';
import type { ConvPadding } from './padding.js';
import { convOutputLength, convTransposeOutputLength } from './padding.js';
import { SubpixelConv2d } from './subpixel-conv2d.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Padding before the first row, written from the specification (not from the code). */
function expectedTop(mode: ConvPadding, length: number, k: number, s: number, transposed: boolean): number {
  if (mode === 'valid') return 0;
  if (mode === 'same_zeros') return Math.floor(k / 2);
  // TensorFlow SAME: the forward convolution's total padding, floor half before.
  const inLength = transposed ? length * s : length;
  const outLength = Math.ceil(inLength / s);
  return Math.floor(Math.max((outLength - 1) * s + k - inLength, 0) / 2);
}

describe('Conv2d', () => {
  it('gives ceil(H / s) x ceil(W / s) for the same paddings and the valid size otherwise, on 17x23', () => {
    expectNoLeak(() => {
      const x = uniform([2, 17, 23, 3], 1);
      for (const padding of ['same', 'same_zeros', 'valid'] as const) {
        for (const [k, s] of [
          [1, 1],
          [3, 1],
          [3, 2],
          [4, 2],
          [5, 2],
          [7, 1],
          [5, 3],
        ] as const) {
          const conv = new Conv2d(3, 4, k, { stride: s, padding });
          const y = conv.call(x);
          const h = padding === 'valid' ? Math.floor((17 - k) / s) + 1 : Math.ceil(17 / s);
          const w = padding === 'valid' ? Math.floor((23 - k) / s) + 1 : Math.ceil(23 / s);
          expect(y.shape).toEqual([2, h, w, 4]);
          expect(conv.outputShape(x.shape)).toEqual([2, h, w, 4]);
          expect(convOutputLength(17, k, s, padding)).toBe(h);
          y.dispose();
          conv.dispose();
        }
      }
      x.dispose();
    });
  });

  it.each(['same', 'same_zeros', 'valid'] as const)('equals the plain-loop correlation with %s padding (odd and even sizes and kernels)', (padding) => {
    expectNoLeak(() => {
      for (const [h, w, k, s] of [
        [5, 6, 3, 2],
        [6, 7, 5, 2],
        [8, 8, 4, 2],
        [7, 5, 3, 1],
        [9, 10, 2, 3],
      ] as const) {
        const conv = new Conv2d(2, 3, k, { stride: s, padding });
        const x = uniform([1, h, w, 2], h * w);
        const [, oh, ow] = conv.outputShape(x.shape);
        const top = expectedTop(padding, h, k, s, false);
        const left = expectedTop(padding, w, k, s, false);
        const want = referenceConv2d(x as tf.Tensor4D, conv.kernel as tf.Tensor4D, s, { top, left }, [oh, ow]);
        const bias = conv.bias!;
        const b = tf.tensor1d([0.5, -1, 2]);
        bias.assign(b);
        const got = conv.call(x);
        const expected = tf.tidy(() => tf.add(want, b));
        expectClose(take(got), take(expected), 1e-5, 1e-5);
        tf.dispose([x, want, b]);
        conv.dispose();
      }
    });
  });

  it('centres output i on input s * i with same_zeros, and on input s * i + 1 with same for even sizes', () => {
    expectNoLeak(() => {
      const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7], [1, 1, 8, 1]);
      const delta = tf.tensor4d([0, 0, 1, 0, 0], [1, 5, 1, 1]); // centre tap of a 1x5 kernel [kh, kw, in, out]
      for (const [padding, expected] of [
        ['same_zeros', [0, 2, 4, 6]],
        ['same', [1, 3, 5, 7]],
      ] as const) {
        const conv = new Conv2d(1, 1, [1, 5], { stride: 2, padding, useBias: false });
        conv.kernel.assign(delta);
        expect(take(conv.call(x))).toEqual(expected);
        conv.dispose();
      }
      tf.dispose([x, delta]);
    });
  });

  it('has gradients equal to finite differences (input, kernel, bias; strided, both same paddings)', () => {
    expectNoLeak(() => {
      for (const padding of ['same', 'same_zeros'] as const) {
        const conv = new Conv2d(2, 3, 3, { stride: 2, padding });
        const bias = tf.tensor1d([0.1, -0.2, 0.3]);
        conv.bias!.assign(bias);
        const x = variableOf(uniform([1, 5, 4, 2], 2));
        const r = uniform([1, 3, 2, 3], 3);
        checkGradients(() => tf.sum(tf.mul(conv.call(x), r)) as tf.Scalar, [x, conv.kernel, conv.bias!]);
        tf.dispose([x, r, bias]);
        conv.dispose();
      }
    });
  });

  it('checks its arguments and inputs', () => {
    expectNoLeak(() => {
      expect(() => new Conv2d(0, 3, 3)).toThrow(InvalidArgumentError);
      expect(() => new Conv2d(2, 3, 0)).toThrow(InvalidArgumentError);
      expect(() => new Conv2d(2, 3, 3, { stride: 1.5 })).toThrow(InvalidArgumentError);
      expect(() => new Conv2d(2, 3, 3, { padding: 'SAME' as ConvPadding })).toThrow(InvalidArgumentError);
      expect(() => new Conv2d(2, 3, 3, { kernelInitializer: 'zeros' as 'heNormal' })).toThrow(InvalidArgumentError);
      expect(() => new Conv2d(2, 3, 3, { kernelInitializer: () => tf.zeros([3]) })).toThrow(InvalidArgumentError);
      const conv = new Conv2d(2, 3, [3, 5], { padding: 'valid', useBias: false });
      expect(conv.bias).toBeUndefined();
      expect([...conv.namedVariables().keys()]).toEqual(['kernel']);
      expect(conv.kernel.shape).toEqual([3, 5, 2, 3]);
      const bad = [tf.zeros([1, 8, 8, 3]), tf.zeros([8, 8, 2]), tf.zeros([1, 2, 8, 2]), tf.zeros([1, 8, 8, 2], 'int32')];
      for (const t of bad) expect(() => conv.call(t)).toThrow(t.dtype === 'int32' ? InvalidArgumentError : ShapeError);
      tf.dispose(bad);
      conv.dispose();
    });
  });

  it('initialises kernels by name or function, with the documented scale', () => {
    expectNoLeak(() => {
      const glorot = new Conv2d(16, 16, 3);
      const limit = Math.sqrt(6 / (9 * 16 + 9 * 16));
      const values = take(tf.clone(glorot.kernel));
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.9 * limit);
      expect(take(tf.clone(glorot.bias!))).toEqual(new Array(16).fill(0));
      const he = new Conv2d(16, 16, 3, { kernelInitializer: 'heNormal' });
      const std = Math.sqrt(take(tf.tidy(() => tf.mean(tf.square(he.kernel))))[0]!);
      expect(std).toBeGreaterThan(0.85 * Math.sqrt(2 / 144));
      expect(std).toBeLessThan(1.15 * Math.sqrt(2 / 144));
      const custom = new Conv2d(2, 1, 1, { kernelInitializer: (shape, fans) => tf.fill(shape, fans.fanIn + fans.fanOut / 10) });
      expect(take(tf.clone(custom.kernel))).toEqual([2.1, 2.1].map(Math.fround));
      [glorot, he, custom].forEach((m) => m.dispose());
    });
  });

  it('round-trips its state dict', () => {
    expectStateDictRoundTrip(
      () => new Conv2d(3, 4, 3, { stride: 2 }),
      (m) => tf.tidy(() => m.call(uniform([1, 7, 9, 3], 5))),
    );
  });
});

describe('ConvTranspose2d', () => {
  it('gives H * s x W * s for the same paddings and (H - 1) * s + k for valid, on 17x23', () => {
    expectNoLeak(() => {
      const x = uniform([2, 17, 23, 3], 1);
      for (const padding of ['same', 'same_zeros', 'valid'] as const) {
        for (const [k, s] of [
          [1, 2],
          [3, 2],
          [4, 2],
          [5, 2],
          [3, 1],
          [5, 3],
        ] as const) {
          const conv = new ConvTranspose2d(3, 4, k, { stride: s, padding });
          const y = conv.call(x);
          const h = padding === 'valid' ? 16 * s + k : 17 * s;
          const w = padding === 'valid' ? 22 * s + k : 23 * s;
          expect(y.shape).toEqual([2, h, w, 4]);
          expect(convTransposeOutputLength(17, k, s, padding)).toBe(h);
          y.dispose();
          conv.dispose();
        }
      }
      x.dispose();
    });
  });

  it.each(['same', 'same_zeros', 'valid'] as const)('equals the plain-loop transposed convolution with %s padding', (padding) => {
    expectNoLeak(() => {
      for (const [h, w, k, s] of [
        [3, 4, 3, 2],
        [4, 3, 5, 2],
        [3, 3, 4, 2],
        [2, 5, 5, 3],
        [4, 4, 3, 1],
      ] as const) {
        const conv = new ConvTranspose2d(2, 3, k, { stride: s, padding, useBias: false });
        const x = uniform([2, h, w, 2], 10 * h + w);
        const [, oh, ow] = conv.outputShape(x.shape);
        const top = expectedTop(padding, h, k, s, true);
        const left = expectedTop(padding, w, k, s, true);
        const want = referenceConvTranspose2d(x as tf.Tensor4D, conv.kernel as tf.Tensor4D, s, { top, left }, [oh, ow]);
        expectClose(take(conv.call(x)), take(want), 1e-5, 1e-5);
        x.dispose();
        conv.dispose();
      }
    });
  });

  it('places input i on output s * i with same_zeros (TFC, CompressAI) and on s * i + 1 with same (k = 3, 5)', () => {
    expectNoLeak(() => {
      const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
      for (const k of [3, 5]) {
        const delta = tf.tidy(() => tf.reshape(tf.cast(tf.oneHot(Math.floor(k / 2), k), 'float32'), [1, k, 1, 1])); // centre tap
        for (const [padding, expected] of [
          ['same_zeros', [1, 0, 2, 0, 3, 0]],
          ['same', [0, 1, 0, 2, 0, 3]],
        ] as const) {
          const conv = new ConvTranspose2d(1, 1, [1, k], { stride: [1, 2], padding, useBias: false });
          conv.kernel.assign(delta);
          expect(take(conv.call(x))).toEqual(expected);
          conv.dispose();
        }
        delta.dispose();
      }
      x.dispose();
    });
  });

  it('is the adjoint of the strided Conv2d with the same kernel, padding and stride', () => {
    expectNoLeak(() => {
      for (const padding of ['same', 'same_zeros'] as const) {
        const up = new ConvTranspose2d(2, 3, 5, { stride: 2, padding, useBias: false });
        const down = new Conv2d(3, 2, 5, { stride: 2, padding, useBias: false });
        down.kernel.assign(up.kernel);
        const x = uniform([1, 4, 5, 2], 1);
        const z = uniform([1, 8, 10, 3], 2);
        // <up(x), z> = <x, down(z)>
        const lhs = take(tf.tidy(() => tf.sum(tf.mul(up.call(x), z))))[0]!;
        const rhs = take(tf.tidy(() => tf.sum(tf.mul(x, down.call(z)))))[0]!;
        expect(lhs).toBeCloseTo(rhs, 4);
        tf.dispose([x, z]);
        up.dispose();
        down.dispose();
      }
    });
  });

  it('has gradients equal to finite differences (input, kernel, bias)', () => {
    expectNoLeak(() => {
      for (const padding of ['same', 'same_zeros'] as const) {
        const conv = new ConvTranspose2d(2, 3, 3, { stride: 2, padding });
        const x = variableOf(uniform([1, 3, 2, 2], 4));
        const r = uniform([1, 6, 4, 3], 5);
        checkGradients(() => tf.sum(tf.mul(conv.call(x), r)) as tf.Scalar, [x, conv.kernel, conv.bias!]);
        tf.dispose([x, r]);
        conv.dispose();
      }
    });
  });

  it('round-trips its state dict and refuses wrong inputs', () => {
    expectStateDictRoundTrip(
      () => new ConvTranspose2d(3, 4, 5, { stride: 2 }),
      (m) => tf.tidy(() => m.call(uniform([1, 3, 5, 3], 6))),
    );
    expectNoLeak(() => {
      const conv = new ConvTranspose2d(3, 4, 5);
      expect(conv.kernel.shape).toEqual([5, 5, 4, 3]);
      const bad = tf.zeros([1, 4, 4, 4]);
      expect(() => conv.call(bad)).toThrow(ShapeError);
      bad.dispose();
      conv.dispose();
    });
  });
});

describe('SubpixelConv2d and depthToSpace', () => {
  it('depthToSpace equals TensorFlow depth_to_space (tf.depthToSpace) and has a gradient', () => {
    expectNoLeak(() => {
      for (const r of [2, 3]) {
        const x = uniform([2, 3, 5, 2 * r * r], r);
        expect(take(depthToSpace(x, r))).toEqual(take(tf.depthToSpace(x as tf.Tensor4D, r)));
        x.dispose();
      }
      const v = variableOf(uniform([1, 2, 3, 8], 7));
      const w = uniform([1, 4, 6, 2], 8);
      checkGradients(() => tf.sum(tf.mul(tf.square(depthToSpace(v, 2)), w)) as tf.Scalar, [v]);
      const bad = tf.zeros([1, 2, 2, 6]);
      expect(() => depthToSpace(bad, 2)).toThrow(ShapeError);
      tf.dispose([v, w, bad]);
    });
  });

  it('upsamples 17x23 to 34x46 as conv then depth-to-space', () => {
    expectNoLeak(() => {
      const sub = new SubpixelConv2d(3, 5);
      expect(sub.conv.kernel.shape).toEqual([3, 3, 3, 20]);
      const x = uniform([1, 17, 23, 3], 9);
      const y = sub.call(x);
      expect(y.shape).toEqual([1, 34, 46, 5]);
      const manual = tf.tidy(() => tf.depthToSpace(sub.conv.call(x), 2));
      expect(take(y)).toEqual(take(manual));
      const sub3 = new SubpixelConv2d(3, 2, { upscale: 3, kernelSize: 1 });
      const y3 = sub3.call(x);
      expect(y3.shape).toEqual([1, 51, 69, 2]);
      y3.dispose();
      x.dispose();
      sub.dispose();
      sub3.dispose();
    });
    expectStateDictRoundTrip(
      () => new SubpixelConv2d(2, 2),
      (m) => tf.tidy(() => m.call(uniform([1, 3, 3, 2], 1))),
    );
  });
});

describe('checkGradients (test helper)', () => {
  it('fails on a wrong gradient', () => {
    const wrong = tf.customGrad(((x: tf.Tensor) => ({ value: tf.square(x), gradFunc: (dy: tf.Tensor) => tf.mul(dy, x) })) as never) as (
      x: tf.Tensor,
    ) => tf.Tensor;
    const v = variableOf(tf.tensor1d([1, 2]));
    expect(() => checkGradients(() => tf.sum(wrong(v)) as tf.Scalar, [v])).toThrow(/finite difference/);
    v.dispose();
  });
});
