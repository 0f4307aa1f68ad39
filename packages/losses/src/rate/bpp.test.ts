import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, useBackend, values } from '../testing/helpers.js';
import { bitsPerPixel, bppFromLikelihoods } from './bpp.js';

beforeAll(() => useBackend('wasm'));

describe('bitsPerPixel', () => {
  it('divides totals by batch * height * width and per-image bits by height * width', () =>
    expectNoLeak(() => {
      const shape = [2, 64, 32, 3] as const;
      expect(bitsPerPixel(4096, shape)).toBe(4096 / (2 * 64 * 32));
      const total = tf.scalar(8192);
      const perImage = tf.tensor1d([2048, 6144]);
      const a = bitsPerPixel(total, shape);
      const b = bitsPerPixel(perImage, shape);
      expect(a.shape).toEqual([]);
      expect(values(a)[0]).toBeCloseTo(2, 6);
      expect(values(b)).toEqual([1, 3]);
      tf.dispose([total, perImage, a, b]);
    }));

  it('refuses mismatched bits and bad shapes', () =>
    expectNoLeak(() => {
      const wrong = tf.tensor1d([1, 2, 3]);
      const matrix = tf.zeros([2, 1]);
      expect(() => bitsPerPixel(wrong, [2, 8, 8, 3])).toThrow(ShapeError);
      expect(() => bitsPerPixel(matrix as tf.Tensor1D, [2, 8, 8, 3])).toThrow(ShapeError);
      expect(() => bitsPerPixel(1, [8, 8, 3] as unknown as [number, number, number, number])).toThrow(ShapeError);
      expect(() => bitsPerPixel(1, [1, 0, 8, 3])).toThrow(ShapeError);
      expect(() => bitsPerPixel(Number.NaN, [1, 8, 8, 3])).toThrow(InvalidArgumentError);
      tf.dispose([wrong, matrix]);
    }));
});

describe('bppFromLikelihoods', () => {
  it('sums -log2 p over latents and hyper-latents per image', () =>
    expectNoLeak(() => {
      const image = [2, 64, 64, 3] as const;
      // y: 4x4x8 symbols at p = 1/2 (1 bit each); z: 1x1x4 symbols at p = 1/16 (4 bits each).
      const y = tf.fill([2, 4, 4, 8], 0.5);
      const z = tf.tidy(() => tf.concat([tf.fill([1, 1, 1, 4], 1 / 16), tf.fill([1, 1, 1, 4], 1)]));
      const bpp = bppFromLikelihoods([y, z], image);
      const mean = bppFromLikelihoods([y, z], image, { reduction: 'mean' });
      const only = bppFromLikelihoods(y, image);
      const pixels = 64 * 64;
      const [a, b] = values(bpp);
      expect(a).toBeCloseTo((128 + 16) / pixels, 7);
      expect(b).toBeCloseTo(128 / pixels, 7);
      expect(values(mean)[0]).toBeCloseTo((a! + b!) / 2, 7);
      values(only).forEach((v) => expect(v).toBeCloseTo(128 / pixels, 7));
      tf.dispose([y, z, bpp, mean, only]);
    }));

  it('has the gradient -1 / (p ln 2 H W)', () =>
    expectNoLeak(() => {
      const p = tf.tensor4d([0.5, 0.25, 0.125, 1], [1, 2, 2, 1]);
      const g = tf.grad((l: tf.Tensor) => bppFromLikelihoods(l, [1, 4, 4, 3], { reduction: 'mean' }))(p);
      values(g).forEach((v, i) => expect(v).toBeCloseTo(-1 / ([0.5, 0.25, 0.125, 1][i]! * Math.LN2 * 16), 5));
      tf.dispose([p, g]);
    }));

  it('refuses tensors of another batch size, scalars, empty lists and integer tensors', () =>
    expectNoLeak(() => {
      const a = tf.fill([3, 2, 2, 1], 0.5);
      const s = tf.scalar(0.5);
      const ints = tf.ones([2, 2], 'int32');
      expect(() => bppFromLikelihoods(a, [2, 8, 8, 3])).toThrow(ShapeError);
      expect(() => bppFromLikelihoods([a, s], [3, 8, 8, 3])).toThrow(/likelihoods\[1\]/);
      expect(() => bppFromLikelihoods([], [2, 8, 8, 3])).toThrow(InvalidArgumentError);
      expect(() => bppFromLikelihoods(ints, [2, 8, 8, 3])).toThrow(InvalidArgumentError);
      tf.dispose([a, s, ints]);
    }));
});
