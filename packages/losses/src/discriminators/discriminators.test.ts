import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Module, ShapeError } from '@ncomp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { nonSaturatingDiscriminatorLoss } from '../gan/non-saturating.js';
import { expectNoLeak, maxAbsDiff, patternTensor, useBackend, values } from '../testing/helpers.js';
import { OasisDiscriminator, type OasisDiscriminatorOptions } from './oasis.js';
import { oasisDiscriminatorLoss } from './oasis-loss.js';
import { avgPool2xCeil, upsampleNearest } from './ops.js';
import { PatchGanDiscriminator, type PatchGanDiscriminatorOptions } from './patch-gan.js';

beforeAll(() => useBackend('wasm'));

const PATCH: PatchGanDiscriminatorOptions = { channels: [6, 8, 8, 12], latentChannels: 5, conditionChannels: 3 };
const OASIS: OasisDiscriminatorOptions = { numClasses: 3, channels: [4, 6, 8], finalChannels: 4, latentChannels: 5 };

/** A deterministic latent on the stride-16 grid of an H x W image. */
function latentFor(n: number, h: number, w: number, c: number, seed: number): tf.Tensor4D {
  return tf.randomNormal([n, Math.ceil(h / 16), Math.ceil(w / 16), c], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** Runs `f` and returns its value as a number. */
function scalarOf(t: tf.Tensor): number {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

/**
 * Checks the gradients of `sum(D(x, latent) * r)`: finite and non-zero for the image and
 * every trainable variable, exactly zero for the latent (stop-gradient).
 */
function checkDiscriminatorGradients(d: Module, forward: (x: tf.Tensor, latent: tf.Tensor) => tf.Tensor, x: tf.Tensor, latent: tf.Tensor): void {
  const r = tf.tidy(() => tf.randomNormal(forward(x, latent).shape, 0, 1, 'float32', 99));
  const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(forward(a, b), r));
  const [gx, gLatent] = tf.grads(loss)([x, latent]);
  expect(values(gx!).every(Number.isFinite)).toBe(true);
  expect(scalarOf(tf.tidy(() => tf.max(tf.abs(gx!))))).toBeGreaterThan(0);
  expect(scalarOf(tf.tidy(() => tf.max(tf.abs(gLatent!))))).toBe(0);
  const trainable = d.trainableVariables();
  const { value, grads } = tf.variableGrads(() => loss(x, latent), trainable);
  for (const [path, v] of d.namedVariables()) {
    if (!v.trainable) continue;
    const g = grads[v.name];
    expect(g, `gradient of ${path}`).toBeDefined();
    expect(values(g!).every(Number.isFinite), `finite gradient of ${path}`).toBe(true);
    expect(scalarOf(tf.tidy(() => tf.max(tf.abs(g!)))), `non-zero gradient of ${path}`).toBeGreaterThan(0);
  }
  tf.dispose([r, gx!, gLatent!, value, ...Object.values(grads)]);
}

describe('discriminator ops', () => {
  it('upsamples by repetition (= resizeNearestNeighbor) and pools with TF same semantics on odd sizes', () =>
    expectNoLeak(() => {
      const x = patternTensor(2, 5, 7, 3, 1);
      const up = tf.tidy(() => upsampleNearest(x, 3, 14, 20));
      const ref = tf.tidy(() => tf.slice(tf.image.resizeNearestNeighbor(x, [15, 21]), [0, 0, 0, 0], [-1, 14, 20, -1]));
      expect(up.shape).toEqual([2, 14, 20, 3]);
      expect(maxAbsDiff(up, ref)).toBe(0);
      const pooled = tf.tidy(() => avgPool2xCeil(x));
      expect(pooled.shape).toEqual([2, 3, 4, 3]);
      // The last (odd) row / column average over the valid pixels only, as TF's `same` pooling.
      const xv = values(x);
      const at = (n: number, i: number, j: number, k: number): number => xv[((n * 5 + i) * 7 + j) * 3 + k]!;
      const pv = values(pooled);
      const p = (n: number, i: number, j: number, k: number): number => pv[((n * 3 + i) * 4 + j) * 3 + k]!;
      expect(p(1, 0, 0, 2)).toBeCloseTo((at(1, 0, 0, 2) + at(1, 0, 1, 2) + at(1, 1, 0, 2) + at(1, 1, 1, 2)) / 4, 6);
      expect(p(0, 2, 1, 1)).toBeCloseTo((at(0, 4, 2, 1) + at(0, 4, 3, 1)) / 2, 6);
      expect(p(0, 2, 3, 0)).toBeCloseTo(at(0, 4, 6, 0), 6);
      tf.dispose([x, up, ref, pooled]);
    }));
});

describe('PatchGanDiscriminator', () => {
  it('gives [N, ceil(H/8), ceil(W/8), 1] logits on odd sizes, with and without conditioning', () =>
    expectNoLeak(() => {
      const d = new PatchGanDiscriminator(PATCH);
      const u = new PatchGanDiscriminator({ ...PATCH, conditional: false });
      expect([...d.children().keys()]).toEqual(['latentConv', 'conv0', 'conv1', 'conv2', 'conv3', 'out']);
      expect([...u.children().keys()]).toEqual(['conv0', 'conv1', 'conv2', 'conv3', 'out']);
      // Every convolution is spectrally normalized: kernel, bias and the power-iteration u.
      expect(d.namedVariables().get('conv0.kernel')!.shape).toEqual([4, 4, 3 + 3, 6]);
      expect(d.nonTrainableVariables().map((v) => v.shape)).toEqual([[3], [6], [8], [8], [12], [1]]);
      const x = patternTensor(2, 37, 45, 3, 1);
      const latent = latentFor(2, 37, 45, 5, 2);
      const y = d.call(x, latent);
      const yu = u.call(x);
      expect(y.shape).toEqual([2, 5, 6, 1]);
      expect(d.outputShape(x.shape)).toEqual([2, 5, 6, 1]);
      expect(yu.shape).toEqual([2, 5, 6, 1]);
      expect(values(y).every(Number.isFinite)).toBe(true);
      // The latent matters.
      const other = tf.tidy(() => tf.add(latent, 1));
      const y2 = d.call(x, other);
      expect(maxAbsDiff(y, y2)).toBeGreaterThan(0);
      tf.dispose([x, latent, y, yu, other, y2]);
      d.dispose();
      u.dispose();
    }));

  it('has the reference size of HiFiC (2,800,797 trainable parameters, 973 power-iteration entries)', () =>
    expectNoLeak(() => {
      const d = new PatchGanDiscriminator();
      // latent 3x3 220->12, then 4x4 convs (3+12)->64->128->256->512->1, all with bias.
      const expected = 9 * 220 * 12 + 12 + 16 * (15 * 64 + 64 * 128 + 128 * 256 + 256 * 512 + 512) + (64 + 128 + 256 + 512 + 1);
      expect(d.numParameters({ trainableOnly: true })).toBe(expected);
      expect(expected).toBe(2_800_797);
      expect(d.numParameters()).toBe(2_800_797 + 973);
      // N(0, 0.02) kernels.
      const k = values(d.namedVariables().get('conv3.kernel')!);
      const sd = Math.sqrt(k.reduce((a, v) => a + v * v, 0) / k.length);
      expect(sd).toBeGreaterThan(0.019);
      expect(sd).toBeLessThan(0.021);
      d.dispose();
    }));

  it('passes gradients to the image and every parameter, none to the latent', () =>
    expectNoLeak(() => {
      const d = new PatchGanDiscriminator(PATCH);
      const x = patternTensor(1, 33, 40, 3, 3);
      const latent = latentFor(1, 33, 40, 5, 4);
      checkDiscriminatorGradients(d, (a, b) => d.call(a, b, true), x, latent);
      tf.dispose([x, latent]);
      d.dispose();
    }));

  it('learns to separate real from fake in a few Adam steps, and round-trips its state dict', () =>
    expectNoLeak(() => {
      // Seeded: unseeded, 1 run in about 30 fell short of the 0.2 drop.
      const d = new PatchGanDiscriminator({ ...PATCH, seed: 11 });
      const real = patternTensor(2, 32, 32, 3, 5);
      const fake = tf.tidy(() => tf.add(tf.mul(real, 0.2), 0.4));
      const batch = tf.concat([real, fake], 0);
      const latent = tf.tidy(() => tf.concat(Array(2).fill(latentFor(2, 32, 32, 5, 6)), 0));
      const lossOf = (training: boolean): tf.Scalar =>
        tf.tidy(() => {
          const [r, f] = tf.split(d.call(batch, latent, training), 2);
          return nonSaturatingDiscriminatorLoss(r!, f!);
        });
      const before = scalarOf(lossOf(false));
      const optimizer = tf.train.adam(2e-3);
      for (let step = 0; step < 15; step++) optimizer.minimize(() => lossOf(true), false, d.trainableVariables());
      optimizer.dispose();
      const after = scalarOf(lossOf(false));
      expect(before).toBeCloseTo(2 * Math.LN2, 1);
      expect(after).toBeLessThan(before - 0.2);
      // State dict round trip (u included): a fresh module gives identical outputs.
      const copy = new PatchGanDiscriminator(PATCH);
      const state = d.stateDict();
      copy.loadStateDict(state);
      tf.dispose(Object.values(state));
      const a = d.call(batch, latent);
      const b = copy.call(batch, latent);
      expect(maxAbsDiff(a, b)).toBe(0);
      tf.dispose([real, fake, batch, latent, a, b]);
      copy.dispose();
      d.dispose();
    }));

  it('refuses bad options and inputs with typed errors', () =>
    expectNoLeak(() => {
      expect(() => new PatchGanDiscriminator({ channels: [] })).toThrow(InvalidArgumentError);
      expect(() => new PatchGanDiscriminator({ channels: [8, 0] })).toThrow(/channels\[1\]/);
      expect(() => new PatchGanDiscriminator({ initStddev: 0 })).toThrow(InvalidArgumentError);
      const d = new PatchGanDiscriminator(PATCH);
      const u = new PatchGanDiscriminator({ ...PATCH, conditional: false });
      const x = tf.zeros([1, 37, 45, 3]);
      const gray = tf.zeros([1, 37, 45, 1]);
      const latent = latentFor(1, 37, 45, 5, 1);
      const wrongGrid = tf.zeros([1, 2, 3, 5]);
      const wrongChannels = tf.zeros([1, 3, 3, 4]);
      expect(() => d.call(x)).toThrow(/needs the latent/);
      expect(() => d.call(x, wrongGrid)).toThrow(ShapeError);
      expect(() => d.call(x, wrongGrid)).toThrow(/latent must be \[1, 3, 3, 5\]/);
      expect(() => d.call(x, wrongChannels)).toThrow(ShapeError);
      expect(() => d.call(gray, latent)).toThrow(/3 channels/);
      expect(() => u.call(x, latent)).toThrow(/unconditional/);
      tf.dispose([x, gray, latent, wrongGrid, wrongChannels]);
      d.dispose();
      u.dispose();
    }));
});

/** Trainable parameters of an OASIS block fin -> fout (weight norm: v, g and bias per conv). */
function oasisBlockParameters(fin: number, fout: number): number {
  const wn = (i: number, o: number, k: number): number => k * k * i * o + 2 * o;
  return wn(fin, fout, 3) + wn(fout, fout, 3) + (fin === fout ? 0 : wn(fin, fout, 1));
}

/** Trainable parameters of an OasisDiscriminator, counted from the architecture. */
function oasisParameters(numClasses: number, e: number[], final: number, latentChannels: number | undefined): number {
  const depth = e.length;
  let n = latentChannels === undefined ? 0 : 9 * latentChannels * final + 2 * final;
  [3, ...e.slice(0, -1)].forEach((fin, i) => (n += oasisBlockParameters(fin, e[i]!)));
  n += oasisBlockParameters(e[depth - 1]!, e[depth - 2]!);
  for (let i = 1; i < depth - 1; i++) n += oasisBlockParameters(2 * e[depth - 1 - i]!, e[depth - 2 - i]!);
  n += oasisBlockParameters(2 * e[0]!, final);
  return n + final * (numClasses + 1) + numClasses + 1;
}

describe('OasisDiscriminator', () => {
  it('gives [N, H, W, numClasses + 1] logits on odd and even sizes; its layout is the OASIS U-Net', () =>
    expectNoLeak(() => {
      const d = new OasisDiscriminator(OASIS);
      expect([...d.children().keys()]).toEqual(['latentConv', 'down0', 'down1', 'down2', 'up0', 'up1', 'up2', 'head']);
      expect(d.numParameters()).toBe(oasisParameters(3, [4, 6, 8], 4, 5));
      // The reference widths (3 -> 128 ... 512, 64, 135 logits, 320-channel latent).
      expect(oasisParameters(134, [128, 128, 256, 256, 512, 512], 64, 320)).toBe(22_450_247);
      const vars = d.namedVariables();
      expect(vars.get('up1.conv1.v')!.shape).toEqual([3, 3, 2 * 6, 4]);
      expect(vars.get('up2.convS.v')!.shape).toEqual([1, 1, 2 * 4, 4]);
      expect(vars.has('up0.convS.v')).toBe(true);
      for (const [h, w] of [
        [37, 45],
        [32, 32],
        [17, 9],
      ] as const) {
        const x = patternTensor(2, h, w, 3, h);
        const latent = latentFor(2, h, w, 5, w);
        const y = d.call(x, latent);
        expect(y.shape).toEqual([2, h, w, 4]);
        expect(d.outputShape(x.shape)).toEqual([2, h, w, 4]);
        expect(values(y).every(Number.isFinite)).toBe(true);
        tf.dispose([x, latent, y]);
      }
      const u = new OasisDiscriminator({ ...OASIS, conditional: false });
      expect(u.numParameters()).toBe(oasisParameters(3, [4, 6, 8], 4, undefined));
      const x = patternTensor(1, 20, 24, 3, 0);
      const yu = u.call(x);
      expect(yu.shape).toEqual([1, 20, 24, 4]);
      tf.dispose([x, yu]);
      u.dispose();
      d.dispose();
    }));

  it('adds the latent projection to every class logit alike (EGIC), and scales the input by inputScale', () =>
    expectNoLeak(() => {
      const d = new OasisDiscriminator(OASIS);
      const x = patternTensor(1, 21, 19, 3, 1);
      const l1 = latentFor(1, 21, 19, 5, 1);
      const l2 = latentFor(1, 21, 19, 5, 2);
      const diff = tf.tidy(() => tf.sub(d.call(x, l1), d.call(x, l2)));
      // The same shift in all four channels of each pixel, and not zero.
      const spread = tf.tidy(() => tf.sub(tf.max(diff, 3), tf.min(diff, 3)));
      expect(scalarOf(tf.max(spread))).toBeLessThan(1e-5);
      expect(scalarOf(tf.tidy(() => tf.max(tf.abs(diff))))).toBeGreaterThan(1e-4);
      const scaled = new OasisDiscriminator({ ...OASIS, inputScale: 255 });
      scaled.loadStateDict(Object.fromEntries([...d.namedVariables()]));
      const x255 = tf.tidy(() => tf.div(x, 255));
      const a = d.call(x, l1);
      const b = scaled.call(x255, l1);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
      tf.dispose([x, l1, l2, diff, spread, x255, a, b]);
      scaled.dispose();
      d.dispose();
    }));

  it('passes gradients to the image and every parameter, none to the latent', () =>
    expectNoLeak(() => {
      const d = new OasisDiscriminator(OASIS);
      const x = patternTensor(1, 23, 30, 3, 3);
      const latent = latentFor(1, 23, 30, 5, 4);
      checkDiscriminatorGradients(d, (a, b) => d.call(a, b), x, latent);
      tf.dispose([x, latent]);
      d.dispose();
    }));

  it('learns to classify real pixels by label and fake pixels as fake in a few Adam steps; round-trips its state dict', () =>
    expectNoLeak(() => {
      const d = new OasisDiscriminator(OASIS);
      const real = patternTensor(2, 24, 24, 3, 5);
      const fake = tf.tidy(() => tf.add(tf.mul(real, 0.2), 0.4));
      const latent = latentFor(2, 24, 24, 5, 6);
      // Three regions: left third class 0, middle 1, right 2.
      const labels = tf.tidy(() => tf.cast(tf.tile(tf.reshape(tf.floorDiv(tf.range(0, 24, 1, 'int32'), 8), [1, 1, 24]), [2, 24, 1]), 'int32'));
      const lossOf = (): tf.Scalar => tf.tidy(() => oasisDiscriminatorLoss(d.call(real, latent), d.call(fake, latent), labels));
      const before = scalarOf(lossOf());
      const optimizer = tf.train.adam(3e-3);
      for (let step = 0; step < 12; step++) optimizer.minimize(lossOf, false, d.trainableVariables());
      optimizer.dispose();
      const after = scalarOf(lossOf());
      expect(after).toBeLessThan(before - 0.3);
      const copy = new OasisDiscriminator(OASIS);
      const state = d.stateDict();
      copy.loadStateDict(state);
      tf.dispose(Object.values(state));
      const a = d.call(real, latent);
      const b = copy.call(real, latent);
      expect(maxAbsDiff(a, b)).toBe(0);
      tf.dispose([real, fake, latent, labels, a, b]);
      copy.dispose();
      d.dispose();
    }));

  it('refuses bad options and inputs with typed errors', () =>
    expectNoLeak(() => {
      expect(() => new OasisDiscriminator({ ...OASIS, numClasses: 0 })).toThrow(InvalidArgumentError);
      expect(() => new OasisDiscriminator({ ...OASIS, channels: [8] })).toThrow(/at least two/);
      expect(() => new OasisDiscriminator({ ...OASIS, inputScale: -1 })).toThrow(InvalidArgumentError);
      expect(() => new OasisDiscriminator(undefined as unknown as OasisDiscriminatorOptions)).toThrow(/numClasses/);
      const d = new OasisDiscriminator(OASIS);
      const x = tf.zeros([1, 20, 20, 3]);
      const ints = tf.zeros([1, 20, 20, 3], 'int32');
      const wrongBatch = latentFor(2, 20, 20, 5, 0);
      expect(() => d.call(x)).toThrow(InvalidArgumentError);
      expect(() => d.call(x, wrongBatch)).toThrow(ShapeError);
      expect(() => d.call(ints, wrongBatch)).toThrow(/float32/);
      tf.dispose([x, ints, wrongBatch]);
      d.dispose();
    }));
});

describe('PatchGanDiscriminator seed', () => {
  it('gives identical weights for one seed and different ones for another', () =>
    expectNoLeak(() => {
      const a = new PatchGanDiscriminator({ ...PATCH, seed: 3 });
      const b = new PatchGanDiscriminator({ ...PATCH, seed: 3 });
      const c = new PatchGanDiscriminator({ ...PATCH, seed: 4 });
      const [sa, sb, sc] = [a.stateDict(), b.stateDict(), c.stateDict()];
      for (const name of Object.keys(sa)) {
        expect(maxAbsDiff(sa[name]!, sb[name]!), name).toBe(0);
      }
      expect(maxAbsDiff(sa['conv0.kernel']!, sc['conv0.kernel']!)).toBeGreaterThan(0);
      expect(maxAbsDiff(sa['conv0.u']!, sc['conv0.u']!)).toBeGreaterThan(0);
      expect(() => new PatchGanDiscriminator({ ...PATCH, seed: Number.NaN })).toThrow(/seed must be a finite number/);
      for (const s of [sa, sb, sc]) tf.dispose(Object.values(s));
      [a, b, c].forEach((d) => d.dispose());
    }));
});
