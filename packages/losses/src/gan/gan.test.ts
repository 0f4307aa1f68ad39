import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, useBackend, values } from '../testing/helpers.js';
import { hingeDiscriminatorLoss, hingeGeneratorLoss } from './hinge.js';
import { leastSquaresDiscriminatorLoss, leastSquaresGeneratorLoss } from './least-squares.js';
import { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss } from './non-saturating.js';

beforeAll(() => useBackend('wasm'));

/** log(1 + e^x), computed stably in double precision. */
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const REAL = [2, -1, 0.5, 3];
const FAKE = [-2, 0.25, 1.5, -0.5];

describe('GAN objectives against hand-computed values', () => {
  it('non-saturating: G = softplus(-fake), D = softplus(-real) + softplus(fake)', () =>
    expectNoLeak(() => {
      const real = tf.tensor1d(REAL);
      const fake = tf.tensor1d(FAKE);
      const g = nonSaturatingGeneratorLoss(fake);
      const d = nonSaturatingDiscriminatorLoss(real, fake);
      expect(values(g)[0]).toBeCloseTo(mean(FAKE.map((f) => softplus(-f))), 6);
      expect(values(d)[0]).toBeCloseTo(mean(REAL.map((r, i) => softplus(-r) + softplus(FAKE[i]!))), 6);
      // Hand values: softplus(2) = 2.126928, softplus(0) = ln 2.
      expect(softplus(2)).toBeCloseTo(2.126928, 6);
      const zero = tf.zeros([1]);
      const at0 = nonSaturatingGeneratorLoss(zero);
      expect(values(at0)[0]).toBeCloseTo(Math.LN2, 6);
      tf.dispose([real, fake, g, d, zero, at0]);
    }));

  it('hinge: G = -fake, D = relu(1 - real) + relu(1 + fake)', () =>
    expectNoLeak(() => {
      const real = tf.tensor1d(REAL);
      const fake = tf.tensor1d(FAKE);
      const g = hingeGeneratorLoss(fake);
      const d = hingeDiscriminatorLoss(real, fake, { reduction: 'none' });
      expect(values(g)[0]).toBeCloseTo(-mean(FAKE), 6);
      // relu(1 - [2, -1, 0.5, 3]) = [0, 2, 0.5, 0]; relu(1 + [-2, 0.25, 1.5, -0.5]) = [0, 1.25, 2.5, 0.5].
      const dv = values(d);
      [0, 3.25, 3, 0.5].forEach((v, i) => expect(dv[i]).toBeCloseTo(v, 6));
      tf.dispose([real, fake, g, d]);
    }));

  it('least squares: G = (fake - 1)^2 / 2, D = (real - 1)^2 / 2 + fake^2 / 2', () =>
    expectNoLeak(() => {
      const real = tf.tensor1d(REAL);
      const fake = tf.tensor1d(FAKE);
      const g = leastSquaresGeneratorLoss(fake, { reduction: 'none' });
      const d = leastSquaresDiscriminatorLoss(real, fake);
      const gv = values(g);
      [4.5, 0.28125, 0.125, 1.125].forEach((v, i) => expect(gv[i]).toBeCloseTo(v, 6));
      expect(values(d)[0]).toBeCloseTo(mean([0.5 + 2, 2 + 0.03125, 0.125 + 1.125, 2 + 0.125]), 6);
      tf.dispose([real, fake, g, d]);
    }));

  it('averages PatchGAN maps per sample, then weights samples: (1 / N) sum w_i l_i', () =>
    expectNoLeak(() => {
      // Two samples with 2x2 logit maps.
      const fake = tf.tensor4d([0, 1, 2, 3, -1, -2, 4, 5], [2, 2, 2, 1]);
      const weights = tf.tensor1d([0.5, 2]);
      const perSample = [mean([0, 1, 2, 3].map((f) => softplus(-f))), mean([-1, -2, 4, 5].map((f) => softplus(-f)))];
      const none = nonSaturatingGeneratorLoss(fake, { reduction: 'none' });
      const weighted = nonSaturatingGeneratorLoss(fake, { weights });
      const weightedNone = hingeGeneratorLoss(fake, { weights, reduction: 'none' });
      values(none).forEach((v, i) => expect(v).toBeCloseTo(perSample[i]!, 6));
      expect(values(weighted)[0]).toBeCloseTo((0.5 * perSample[0]! + 2 * perSample[1]!) / 2, 6);
      const wn = values(weightedNone);
      expect(wn[0]).toBeCloseTo(0.5 * -1.5, 6);
      expect(wn[1]).toBeCloseTo(2 * -1.5, 6);
      tf.dispose([fake, weights, none, weighted, weightedNone]);
    }));

  it('stays finite and exact for huge logits, with sigmoid gradients', () =>
    expectNoLeak(() => {
      const big = tf.tensor1d([1e4, -1e4, 80, -80]);
      const g = nonSaturatingGeneratorLoss(big, { reduction: 'none' });
      const gv = values(g);
      expect(gv[0]).toBeCloseTo(0, 6);
      expect(gv[1]).toBeCloseTo(1e4, 1);
      expect(gv[2]).toBeCloseTo(0, 6);
      expect(gv[3]).toBeCloseTo(80, 4);
      const d = nonSaturatingDiscriminatorLoss(big, big, { reduction: 'none' });
      values(d).forEach((v, i) => expect(v).toBeCloseTo(softplus(-[1e4, -1e4, 80, -80][i]!) + softplus([1e4, -1e4, 80, -80][i]!), 1));
      // d/dfake of mean softplus(-fake) = -sigmoid(-fake) / N.
      const logits = tf.tensor1d([-3, 0, 2, 50]);
      const grad = tf.grad((f: tf.Tensor) => nonSaturatingGeneratorLoss(f))(logits);
      values(grad).forEach((v, i) => expect(v).toBeCloseTo(-sigmoid(-[-3, 0, 2, 50][i]!) / 4, 6));
      const gradBig = tf.grad((f: tf.Tensor) => nonSaturatingDiscriminatorLoss(f, f))(big);
      expect(values(gradBig).every(Number.isFinite)).toBe(true);
      tf.dispose([big, g, d, logits, grad, gradBig]);
    }));

  it('has the hand gradients of the hinge and least-squares discriminator losses', () =>
    expectNoLeak(() => {
      const real = tf.tensor1d(REAL);
      const fake = tf.tensor1d(FAKE);
      const [hr, hf] = tf.grads((r: tf.Tensor, f: tf.Tensor) => hingeDiscriminatorLoss(r, f))([real, fake]);
      // d/dr relu(1 - r) = -1 where r < 1; d/df relu(1 + f) = 1 where f > -1; divided by N = 4.
      values(hr!).forEach((v, i) => expect(v).toBeCloseTo([0, -0.25, -0.25, 0][i]!, 7));
      values(hf!).forEach((v, i) => expect(v).toBeCloseTo([0, 0.25, 0.25, 0.25][i]!, 7));
      const [lr, lf] = tf.grads((r: tf.Tensor, f: tf.Tensor) => leastSquaresDiscriminatorLoss(r, f))([real, fake]);
      values(lr!).forEach((v, i) => expect(v).toBeCloseTo((REAL[i]! - 1) / 4, 6));
      values(lf!).forEach((v, i) => expect(v).toBeCloseTo(FAKE[i]! / 4, 6));
      tf.dispose([real, fake, hr!, hf!, lr!, lf!]);
    }));

  it('refuses mismatched shapes, bad weights and bad input with typed errors', () =>
    expectNoLeak(() => {
      const a = tf.zeros([2, 3]);
      const b = tf.zeros([3, 3]);
      const w3 = tf.ones([3]) as tf.Tensor1D;
      const w2x1 = tf.ones([2, 1]) as tf.Tensor;
      const s = tf.scalar(1);
      const ints = tf.zeros([2], 'int32');
      expect(() => hingeDiscriminatorLoss(a, b)).toThrow(ShapeError);
      expect(() => nonSaturatingGeneratorLoss(a, { weights: w3 })).toThrow(/weights must have shape \[2\]/);
      expect(() => leastSquaresGeneratorLoss(a, { weights: w2x1 as tf.Tensor1D })).toThrow(ShapeError);
      expect(() => hingeGeneratorLoss(s)).toThrow(ShapeError);
      expect(() => nonSaturatingDiscriminatorLoss(ints, ints)).toThrow(InvalidArgumentError);
      expect(() => hingeGeneratorLoss(a, { reduction: 'sum' as 'mean' })).toThrow(InvalidArgumentError);
      tf.dispose([a, b, w3, w2x1, s, ints]);
    }));
});
