import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, maxAbsDiff, patternTensor, useBackend, values } from '../testing/helpers.js';
import { labelMix, labelMixLoss, oasisClassWeights, oasisDiscriminatorLoss, oasisGeneratorLoss } from './oasis-loss.js';

beforeAll(() => useBackend('wasm'));

const lse = (v: number[]): number => Math.log(v.reduce((a, x) => a + Math.exp(x), 0));
const softmax = (v: number[]): number[] => v.map((x) => Math.exp(x - lse(v)));

// One image of 1 x 3 pixels, 2 semantic classes + fake (index 2).
const REAL = [
  [2, 0, -1],
  [0.5, 1.5, 0],
  [-1, 1, 3],
];
const FAKE = [
  [0, 0, 1],
  [1, -1, 0.5],
  [2, 0, -2],
];
const LABELS = [0, 0, 1];
// Class balancing: 3 pixels, 2 classes present, class 0 twice, class 1 once:
// w = 3 / (2 * 2) = 0.75 for class 0, 3 / (2 * 1) = 1.5 for class 1.
const WEIGHTS = [0.75, 0.75, 1.5];

describe('OASIS losses against hand-computed values', () => {
  it('class weights are P / (K n_c) over the whole batch and average to 1', () =>
    expectNoLeak(() => {
      const labels = tf.tensor3d(LABELS, [1, 1, 3], 'int32');
      const w = oasisClassWeights(labels, 2);
      expect(w.shape).toEqual([1, 1, 3]);
      values(w).forEach((v, i) => expect(v).toBeCloseTo(WEIGHTS[i]!, 6));
      // Two images, 4 classes of which 3 occur (5, 2 and 1 pixels of 8): 8/15, 8/6, 8/3.
      const batch = tf.tensor3d([0, 0, 0, 1, 0, 0, 1, 3], [2, 2, 2], 'int32');
      const w2 = oasisClassWeights(batch, 4);
      const expected = [0, 0, 0, 1, 0, 0, 1, 3].map((c) => 8 / (3 * [5, 2, 0, 1][c]!));
      values(w2).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
      expect(values(w2).reduce((a, b) => a + b, 0) / 8).toBeCloseTo(1, 5);
      tf.dispose([labels, w, batch, w2]);
    }));

  it('discriminator: mean(w CE(real, label)) + mean(CE(fake, fake class))', () =>
    expectNoLeak(() => {
      const real = tf.tensor4d(REAL.flat(), [1, 1, 3, 3]);
      const fake = tf.tensor4d(FAKE.flat(), [1, 1, 3, 3]);
      const labels = tf.tensor3d(LABELS, [1, 1, 3], 'int32');
      const ceReal = REAL.map((r, i) => lse(r) - r[LABELS[i]!]!);
      const ceFake = FAKE.map((f) => lse(f) - f[2]!);
      const realTerm = ceReal.reduce((a, c, i) => a + WEIGHTS[i]! * c, 0) / 3;
      const fakeTerm = ceFake.reduce((a, c) => a + c, 0) / 3;
      // The same numbers worked out by hand (float64): 1.4800195 + 1.9164444.
      expect(realTerm + fakeTerm).toBeCloseTo(3.396463936, 8);
      const d = oasisDiscriminatorLoss(real, fake, labels);
      expect(d.shape).toEqual([]);
      expect(values(d)[0]).toBeCloseTo(3.396463936, 5);
      const plain = oasisDiscriminatorLoss(real, fake, labels, { classBalancing: false });
      expect(values(plain)[0]).toBeCloseTo(3.175493231, 5);
      // Gradient with respect to the real logits: w (softmax - onehot) / P.
      const g = tf.grad((r: tf.Tensor) => oasisDiscriminatorLoss(r, fake, labels))(real);
      const expected = REAL.flatMap((r, i) => softmax(r).map((p, k) => (WEIGHTS[i]! * (p - (k === LABELS[i] ? 1 : 0))) / 3));
      values(g).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
      // And the fake logits: (softmax - onehot(fake)) / P.
      const gf = tf.grad((f: tf.Tensor) => oasisDiscriminatorLoss(real, f, labels))(fake);
      const expectedF = FAKE.flatMap((f) => softmax(f).map((p, k) => (p - (k === 2 ? 1 : 0)) / 3));
      values(gf).forEach((v, i) => expect(v).toBeCloseTo(expectedF[i]!, 6));
      tf.dispose([real, fake, labels, d, plain, g, gf]);
    }));

  it('generator: mean(w CE(fake, label)), the fake images classified as their labels', () =>
    expectNoLeak(() => {
      const fake = tf.tensor4d(FAKE.flat(), [1, 1, 3, 3]);
      const labels = tf.tensor3d(LABELS, [1, 1, 3], 'int32');
      const g = oasisGeneratorLoss(fake, labels);
      expect(values(g)[0]).toBeCloseTo(1.598066223, 5);
      const plain = oasisGeneratorLoss(fake, labels, { classBalancing: false });
      expect(values(plain)[0]).toBeCloseTo(1.416444421, 5);
      tf.dispose([fake, labels, g, plain]);
    }));

  it('LabelMix: a binary mask constant on each class, the exact mix, and a zero loss for a linear discriminator', () =>
    expectNoLeak(() => {
      const n = 2;
      const h = 12;
      const w = 16;
      const numClasses = 16;
      // 16 classes in 4x4-pixel tiles, offset per image.
      const labelData = Array.from({ length: n * h * w }, (_, p) => {
        const m = Math.floor(p / (h * w));
        const i = Math.floor((p % (h * w)) / w);
        const j = p % w;
        return (Math.floor(i / 4) * 4 + Math.floor(j / 4) + 5 * m) % numClasses;
      });
      const labels = tf.tensor3d(labelData, [n, h, w], 'int32');
      const real = patternTensor(n, h, w, 3, 1);
      const fake = patternTensor(n, h, w, 3, 2);
      const { mixed, mask } = labelMix(real, fake, labels, numClasses, { seed: 7 });
      expect(mask.shape).toEqual([n, h, w, 1]);
      expect(mixed.shape).toEqual([n, h, w, 3]);
      const m = values(mask);
      expect(m.every((v) => v === 0 || v === 1)).toBe(true);
      const perClass = new Map<number, number>();
      labelData.forEach((c, p) => {
        if (perClass.has(c)) expect(m[p]).toBe(perClass.get(c));
        else perClass.set(c, m[p]!);
      });
      // Both real and fake regions occur.
      expect(new Set(perClass.values())).toEqual(new Set([0, 1]));
      const rv = values(real);
      const fv = values(fake);
      values(mixed).forEach((v, i) => expect(v).toBe(m[Math.floor(i / 3)] === 1 ? rv[i] : fv[i]));
      // Reproducible with a seed.
      const again = labelMix(real, fake, labels, numClasses, { seed: 7 });
      expect(maxAbsDiff(again.mask, mask)).toBe(0);
      // A per-pixel linear "discriminator" (logits = image) is perfectly consistent.
      const zero = labelMixLoss(mixed, real, fake, mask);
      expect(values(zero)[0]).toBe(0);
      tf.dispose([labels, real, fake, mixed, mask, again.mixed, again.mask, zero]);
    }));

  it('LabelMix loss: mean((M D(real) + (1 - M) D(fake) - D(mixed))^2) over every element, with gradients', () =>
    expectNoLeak(() => {
      const real = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
      const fake = tf.tensor4d([-1, 0, 5, 6], [1, 1, 2, 2]);
      const mixed = tf.tensor4d([0, 2, 4, 7], [1, 1, 2, 2]);
      const mask = tf.tensor4d([1, 0], [1, 1, 2, 1]);
      // Target [1, 2, 5, 6]; squared differences [1, 0, 1, 1]; mean 0.75.
      const loss = labelMixLoss(mixed, real, fake, mask);
      expect(values(loss)[0]).toBeCloseTo(0.75, 6);
      const [gMixed, gReal, gFake] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => labelMixLoss(a, b, c, mask))([mixed, real, fake]);
      // (+ 0 turns -0 into 0.) d/dmixed = 2 (mixed - target) / 4 = [-0.5, 0, -0.5, 0.5]; real gets -that where M = 1, fake where M = 0.
      expect(values(gMixed!).map((x) => x + 0)).toEqual([-0.5, 0, -0.5, 0.5]);
      expect(values(gReal!).map((x) => x + 0)).toEqual([0.5, 0, 0, 0]);
      expect(values(gFake!).map((x) => x + 0)).toEqual([0, 0, 0.5, -0.5]);
      tf.dispose([real, fake, mixed, mask, loss, gMixed!, gReal!, gFake!]);
    }));

  it('refuses bad labels and shapes with typed errors', () =>
    expectNoLeak(() => {
      const logits = tf.zeros([1, 2, 2, 3]);
      const other = tf.zeros([1, 2, 3, 3]);
      const labels = tf.tensor3d([0, 1, 1, 0], [1, 2, 2], 'int32');
      const outOfRange = tf.tensor3d([0, 1, 2, 0], [1, 2, 2], 'int32');
      const negative = tf.tensor3d([0, -1, 1, 0], [1, 2, 2], 'int32');
      const floats = tf.zeros([1, 2, 2]);
      const wrongSize = tf.zeros([1, 2, 3], 'int32');
      const oneLogit = tf.zeros([1, 2, 2, 1]);
      const mask = tf.zeros([1, 2, 2, 1]);
      expect(() => oasisDiscriminatorLoss(logits, logits, outOfRange)).toThrow(/labels must lie in \[0, 1\]/);
      expect(() => oasisGeneratorLoss(logits, negative)).toThrow(InvalidArgumentError);
      expect(() => oasisGeneratorLoss(logits, floats)).toThrow(/int32/);
      expect(() => oasisGeneratorLoss(logits, wrongSize)).toThrow(ShapeError);
      expect(() => oasisDiscriminatorLoss(logits, other, labels)).toThrow(/same shape/);
      expect(() => oasisGeneratorLoss(oneLogit, labels)).toThrow(ShapeError);
      expect(() => oasisGeneratorLoss(logits, labels, { classBalancing: 'yes' as unknown as boolean })).toThrow(InvalidArgumentError);
      expect(() => oasisClassWeights(labels, 0)).toThrow(InvalidArgumentError);
      expect(() => labelMix(logits, other, labels, 2)).toThrow(ShapeError);
      expect(() => labelMix(logits, logits, outOfRange, 2)).toThrow(InvalidArgumentError);
      expect(() => labelMixLoss(logits, logits, logits, other)).toThrow(/mask must be \[1, 2, 2, 1\]/);
      expect(() => labelMixLoss(logits, other, logits, mask)).toThrow(ShapeError);
      tf.dispose([logits, other, labels, outOfRange, negative, floats, wrongSize, oneLogit, mask]);
    }));

  it('labelsChecked skips only the range read: the same values, and dtype and shapes still refused', () =>
    expectNoLeak(() => {
      const real = tf.tensor4d(REAL.flat(), [1, 1, 3, 3]);
      const fake = tf.tensor4d(FAKE.flat(), [1, 1, 3, 3]);
      const labels = tf.tensor3d(LABELS, [1, 1, 3], 'int32');
      const outOfRange = tf.tensor3d([0, 1, 2], [1, 1, 3], 'int32');
      const floats = tf.zeros([1, 1, 3]);
      const short = tf.zeros([1, 1, 2], 'int32');
      const checked = { labelsChecked: true };
      const pairs: [tf.Tensor, tf.Tensor][] = [
        [oasisDiscriminatorLoss(real, fake, labels), oasisDiscriminatorLoss(real, fake, labels, checked)],
        [oasisGeneratorLoss(fake, labels), oasisGeneratorLoss(fake, labels, checked)],
      ];
      for (const [a, b] of pairs) expect(values(b)).toEqual(values(a));
      const mixed = [labelMix(real, fake, labels, 2, { seed: 5 }), labelMix(real, fake, labels, 2, { seed: 5, ...checked })];
      expect(values(mixed[1]!.mixed)).toEqual(values(mixed[0]!.mixed));
      // Out of range: refused by default, the caller's responsibility under labelsChecked (no read, no error).
      expect(() => oasisGeneratorLoss(fake, outOfRange)).toThrow(/labels must lie in \[0, 1\]/);
      const unchecked = oasisGeneratorLoss(fake, outOfRange, checked);
      expect(() => oasisGeneratorLoss(fake, floats, checked)).toThrow(/int32/);
      expect(() => labelMix(real, fake, short, 2, checked)).toThrow(ShapeError);
      tf.dispose([real, fake, labels, outOfRange, floats, short, unchecked, ...pairs.flat(), ...mixed.flatMap((m) => [m.mixed, m.mask])]);
    }));
});
