import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d } from '../conv/conv2d.js';
import { checkGradients, expectClose, expectNoLeak, expectStateDictRoundTrip, take, uniform, variableOf } from '../test-helpers.js';
import { SpectralNormConv2d } from './spectral-norm-conv2d.js';
import { Sequential, leakyRelu } from '../sequential/sequential.js';
import { WeightNormConv2d } from './weight-norm-conv2d.js';
import { weightNormDataInit } from './weight-norm-init.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Largest singular value of a row-major [rows, cols] matrix, by 2000 power iterations in doubles. */
function largestSingularValue(m: number[], rows: number, cols: number): number {
  let v = Array.from({ length: cols }, (_, i) => 1 + i / cols);
  let sigma = 0;
  for (let it = 0; it < 2000; it++) {
    const u = Array.from({ length: rows }, (_, r) => v.reduce((a, x, c) => a + m[r * cols + c]! * x, 0));
    const w = Array.from({ length: cols }, (_, c) => u.reduce((a, x, r) => a + m[r * cols + c]! * x, 0));
    const norm = Math.hypot(...w);
    sigma = Math.sqrt(norm);
    v = w.map((x) => x / norm);
  }
  return sigma;
}

function snapshot(v: tf.Variable): number[] {
  return Array.from(v.dataSync());
}

describe('SpectralNormConv2d', () => {
  it('estimates the kernel matrix norm by power iteration, one step per training call', () => {
    expectNoLeak(() => {
      const sn = new SpectralNormConv2d(2, 4, 3, { stride: 2 });
      expect(sn.u.trainable).toBe(false);
      expect(sn.trainableVariables().map((v) => v.shape)).toEqual([[3, 3, 2, 4], [4]]);
      expect([...sn.namedVariables().keys()]).toEqual(['kernel', 'bias', 'u']);
      expectClose([Math.hypot(...snapshot(sn.u))], [1], 1e-6);
      // A kernel with well-separated singular values (about 4, 2, 1, 0.5), so that 30
      // power-iteration steps converge whatever the random initial u; a random kernel can
      // have nearly equal top singular values and made this test flaky.
      const kernel = tf.tidy(() =>
        tf.reshape(
          tf.add(
            tf.mul(uniform([18, 4], 7), 0.05),
            tf.pad(tf.diag(tf.tensor1d([4, 2, 1, 0.5])), [
              [0, 14],
              [0, 0],
            ]),
          ),
          [3, 3, 2, 4],
        ),
      );
      sn.kernel.assign(kernel);
      kernel.dispose();
      const sigma = largestSingularValue(snapshot(sn.kernel), 18, 4);
      const x = uniform([1, 9, 8, 2], 1);
      // Inference calls leave u alone.
      const u0 = snapshot(sn.u);
      tf.dispose([sn.call(x), sn.call(x, false)]);
      expect(snapshot(sn.u)).toEqual(u0);
      // One training call = one step u <- normalize(W^T normalize(W u)).
      const expectedU = tf.tidy(() => {
        const w = tf.reshape(sn.kernel, [18, 4]);
        const v = tf.matMul(w, tf.reshape(sn.u, [4, 1]));
        const u = tf.matMul(w, tf.div(v, tf.norm(v)), true);
        return tf.div(u, tf.norm(u));
      });
      const trained = sn.call(x, true);
      expectClose(snapshot(sn.u), take(expectedU), 1e-6, 1e-5);
      // A training call gives what an inference call with the updated u gives.
      expect(take(trained)).toEqual(take(sn.call(x)));
      for (let i = 0; i < 30; i++) tf.dispose(sn.call(x, true));
      expectClose([take(sn.spectralNorm())[0]!], [sigma], 0, 1e-4);
      // The normalized kernel has spectral norm 1, and is what the convolution uses.
      const normalized = sn.normalizedKernel();
      expect(largestSingularValue(Array.from(normalized.dataSync()), 18, 4)).toBeCloseTo(1, 4);
      const plain = new Conv2d(2, 4, 3, { stride: 2 });
      plain.kernel.assign(normalized);
      plain.bias!.assign(sn.bias!);
      expectClose(take(plain.call(x)), take(sn.call(x)), 1e-6, 1e-6);
      tf.dispose([x, normalized]);
      plain.dispose();
      sn.dispose();
    });
  });

  it('finds sigma = 3 for a 1x1 kernel with singular values 3 and 1', () => {
    expectNoLeak(() => {
      const sn = new SpectralNormConv2d(3, 2, 1, { useBias: false });
      const k = tf.tensor4d([3, 0, 0, 1, 0, 0], [1, 1, 3, 2]);
      sn.kernel.assign(k);
      const x = tf.ones([1, 1, 1, 3]);
      for (let i = 0; i < 20; i++) tf.dispose(sn.call(x, true));
      expectClose([take(sn.spectralNorm())[0]!], [3], 1e-5);
      expectClose(take(sn.call(x)), [1, 1 / 3], 1e-5);
      tf.dispose([k, x]);
      sn.dispose();
    });
  });

  it('has gradients equal to finite differences (u held fixed), and trains with one u update per call', () => {
    expectNoLeak(() => {
      const sn = new SpectralNormConv2d(2, 3, 3, { stride: 2, padding: 'same_zeros' });
      const b = uniform([3], 1);
      sn.bias!.assign(b);
      const x = variableOf(uniform([1, 5, 4, 2], 2));
      const r = uniform([1, 3, 2, 3], 3);
      checkGradients(() => tf.sum(tf.mul(sn.call(x), r)) as tf.Scalar, [x, sn.kernel, sn.bias!]);
      const u0 = snapshot(sn.u);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(sn.call(x, true), r)) as tf.Scalar, sn.trainableVariables());
      expect(Object.keys(grads)).toHaveLength(2);
      expect(snapshot(sn.u)).not.toEqual(u0);
      tf.dispose([value, ...Object.values(grads), b, x, r]);
      sn.dispose();
    });
  });

  it('round-trips its state dict, u included', () => {
    expectStateDictRoundTrip(
      () => new SpectralNormConv2d(2, 3, 4, { stride: 2 }),
      (m) => tf.tidy(() => m.call(uniform([1, 8, 8, 2], 4))),
    );
  });
});

describe('WeightNormConv2d', () => {
  it('uses g * v / ||v|| per output channel, starting from the initial v', () => {
    expectNoLeak(() => {
      const wn = new WeightNormConv2d(3, 4, 3);
      expect([...wn.namedVariables().keys()]).toEqual(['v', 'g', 'bias']);
      expectClose(take(wn.kernel()), snapshot(wn.v), 1e-6, 1e-5);
      const g = tf.tensor1d([1, 2, 0.5, 3]);
      wn.g.assign(g);
      const norms = take(tf.tidy(() => tf.sqrt(tf.sum(tf.square(wn.kernel()), [0, 1, 2]))));
      expectClose(norms, [1, 2, 0.5, 3], 1e-6, 1e-5);
      const x = uniform([2, 17, 23, 3], 1);
      const plain = new Conv2d(3, 4, 3);
      const k = wn.kernel();
      plain.kernel.assign(k);
      const y = wn.call(x);
      expect(y.shape).toEqual([2, 17, 23, 4]);
      expectClose(take(y), take(plain.call(x)), 1e-6, 1e-6);
      tf.dispose([g, x, k]);
      plain.dispose();
      wn.dispose();
    });
  });

  it('has gradients equal to finite differences (input, v, g, bias) and round-trips its state dict', () => {
    expectNoLeak(() => {
      const wn = new WeightNormConv2d(2, 3, 3, { stride: 2 });
      const x = variableOf(uniform([1, 4, 5, 2], 5));
      const r = uniform([1, 2, 3, 3], 6);
      checkGradients(() => tf.sum(tf.mul(wn.call(x), r)) as tf.Scalar, [x, wn.v, wn.g, wn.bias!]);
      tf.dispose([x, r]);
      wn.dispose();
    });
    expectStateDictRoundTrip(
      () => new WeightNormConv2d(2, 3, 3),
      (m) => tf.tidy(() => m.call(uniform([1, 5, 5, 2], 7))),
    );
  });
});

describe('weight-norm data-dependent initialisation', () => {
  /** Per-channel mean and variance of an NHWC tensor, as plain numbers. */
  const moments = (t: tf.Tensor): { mean: number[]; variance: number[] } =>
    tf.tidy(() => {
      const m = tf.moments(t, [0, 1, 2]);
      return { mean: Array.from(m.mean.dataSync()), variance: Array.from(m.variance.dataSync()) };
    });

  it("normalises the armed call's outputs per channel (zero mean, unit variance), once", () => {
    const conv = new WeightNormConv2d(3, 4, 3, { padding: 'same_zeros' });
    const x = tf.add(tf.mul(uniform([2, 9, 9, 3], 1), 5), 2);
    expectNoLeak(() => {
      const y0 = conv.call(x);
      const before = moments(y0);
      y0.dispose();
      expect(before.variance.some((v) => Math.abs(v - 1) > 0.1)).toBe(true);
      conv.initializeOnNextCall();
      expect(conv.awaitingInitialization).toBe(true);
      const y = conv.call(x);
      expect(conv.awaitingInitialization).toBe(false);
      const after = moments(y);
      for (const m of after.mean) expect(m).toBeCloseTo(0, 4);
      for (const v of after.variance) expect(v).toBeCloseTo(1, 3);
      // Once: the next call gives the same (normalised) outputs.
      expectClose(take(conv.call(x)), take(y), 1e-6);
    });
    x.dispose();
    conv.dispose();
  });

  it('weightNormDataInit initialises a network layer by layer, on what the initialised layers before give', () => {
    const net = new Sequential([new WeightNormConv2d(3, 6, 3), leakyRelu(0.2), new WeightNormConv2d(6, 5, 1)]);
    const x = tf.mul(uniform([2, 8, 8, 3], 2), 7);
    expectNoLeak(() => {
      expect(weightNormDataInit(net, () => net.call(x))).toBe(2);
      const second = net.children().get('2') as WeightNormConv2d;
      // The last layer's outputs are normalised on its (already normalised, activated) input.
      const y = net.call(x);
      const out = moments(y);
      y.dispose();
      for (const m of out.mean) expect(m).toBeCloseTo(0, 4);
      for (const v of out.variance) expect(v).toBeCloseTo(1, 3);
      expect(second.awaitingInitialization).toBe(false);
    });
    // A pass that misses a convolution is an error, and disarms it.
    const first = net.children().get('0') as WeightNormConv2d;
    expect(() => weightNormDataInit(net, () => first.call(x))).toThrow(/reached 1 of 2 weight-normalized convolutions/);
    expect((net.children().get('2') as WeightNormConv2d).awaitingInitialization).toBe(false);
    x.dispose();
    net.dispose();
  });
});
