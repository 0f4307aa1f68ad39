import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeepFactorized, NoisyDeepFactorized } from './deep-factorized.js';
import { lowerTail, quantizationOffset, upperTail } from './helpers.js';
import { Laplace } from './laplace.js';
import { Logistic } from './logistic.js';
import { Normal } from './normal.js';
import { erfcNumber, normalQuantile } from './special.js';
import { NoisyLaplace, NoisyNormal } from './uniform-noise-adapter.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const values = (t: tf.Tensor): number[] => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

/** log Φ(x) in double precision, for reference (asymptotic series where Φ underflows). */
const logPhi = (x: number): number => {
  if (x > -30) return Math.log(0.5 * erfcNumber(-x / Math.SQRT2));
  const z = -x;
  return -(z * z) / 2 - Math.log(z * Math.sqrt(2 * Math.PI)) + Math.log1p(-1 / z ** 2 + 3 / z ** 4 - 15 / z ** 6);
};

describe('special functions', () => {
  it('normalQuantile matches reference values to 1e-12', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 14);
    expect(normalQuantile(2 ** -9)).toBeCloseTo(-2.885634, 5);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 9);
  });

  it('erfcNumber matches closed values', () => {
    expect(erfcNumber(0)).toBe(1);
    expect(erfcNumber(1)).toBeCloseTo(0.15729920705028513, 15);
    expect(erfcNumber(5) / 1.5374597944280349e-12).toBeCloseTo(1, 12);
    expect(erfcNumber(-1)).toBeCloseTo(1.8427007929497148, 15);
  });
});

describe('location-scale distributions', () => {
  it('Normal log CDF and log survival are accurate deep into both tails', () => {
    const start = tf.memory().numTensors;
    const n = new Normal(1, 2);
    const xs = [-80, -20, -3, 0, 1, 2.5, 9, 60];
    const x = tf.tensor1d(xs);
    const logCdf = values(n.logCdf(x));
    const logSf = values(n.logSurvival(x));
    xs.forEach((v, i) => {
      const u = (v - 1) / 2;
      expect(Math.abs(logCdf[i]! - logPhi(u))).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(logPhi(u))));
      expect(Math.abs(logSf[i]! - logPhi(-u))).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(logPhi(-u))));
    });
    x.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('Logistic and Laplace match their closed forms', () => {
    const x = tf.tensor1d([-30, -1, 0, 0.5, 40]);
    const lg = new Logistic(0.5, 1.5);
    const lp = new Laplace(-1, 3);
    const lgCdf = values(lg.logCdf(x));
    const lpCdf = values(lp.logCdf(x));
    const lpSf = values(lp.logSurvival(x));
    [-30, -1, 0, 0.5, 40].forEach((v, i) => {
      const u = (v - 0.5) / 1.5;
      expect(lgCdf[i]).toBeCloseTo(-Math.log1p(Math.exp(-u)), 5);
      const w = (v + 1) / 3;
      const cdf = w < 0 ? Math.log(0.5) + w : Math.log1p(-0.5 * Math.exp(-w));
      const sf = w > 0 ? Math.log(0.5) - w : Math.log1p(-0.5 * Math.exp(w));
      expect(lpCdf[i]).toBeCloseTo(cdf, 5);
      expect(lpSf[i]).toBeCloseTo(sf, 5);
    });
    expect(values(lg.quantile(0.9))[0]).toBeCloseTo(0.5 + 1.5 * Math.log(9), 5);
    expect(values(lp.quantile(0.1))[0]).toBeCloseTo(-1 + 3 * Math.log(0.2), 5);
    x.dispose();
  });
});

describe('UniformNoiseAdapter', () => {
  it('NoisyNormal gives integer masses that sum to 1 and match c(k + 1/2) - c(k - 1/2)', () => {
    const d = new NoisyNormal(0.3, 1.7);
    const ks = Array.from({ length: 41 }, (_, i) => i - 20);
    const p = values(d.prob(tf.tensor1d(ks)));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    ks.forEach((k, i) => {
      const exact = 0.5 * erfcNumber(-(k + 0.5 - 0.3) / 1.7 / Math.SQRT2) - 0.5 * erfcNumber(-(k - 0.5 - 0.3) / 1.7 / Math.SQRT2);
      expect(Math.abs(p[i]! - exact)).toBeLessThan(1e-6);
    });
  });

  it('keeps log-likelihoods finite and accurate far in the tails, with finite gradients', () => {
    const start = tf.memory().numTensors;
    const scale = tf.scalar(1);
    const x = tf.tensor1d([-60, -12, 0, 12, 60]);
    const f = (s: tf.Tensor) => tf.sum(new NoisyNormal(0, s).logProb(x));
    const logp = values(new NoisyNormal(0, scale).logProb(x));
    // Far right: log(sf(x - 1/2) - sf(x + 1/2)) ≈ log sf(x - 1/2) for large x.
    expect(logp[4]).toBeCloseTo(logPhi(-59.5), 0);
    expect(logp[0]).toBeCloseTo(logp[4]!, 3);
    expect(logp.every(Number.isFinite)).toBe(true);
    const g = tf.grad(f)(scale);
    expect(Number.isFinite(g.dataSync()[0]!)).toBe(true);
    g.dispose();
    scale.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('NoisyLaplace integer masses match the closed form', () => {
    const b = 2;
    const p = values(new NoisyLaplace(0, b).prob(tf.tensor1d([0, 1, -3])));
    const c = (x: number) => (x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b));
    [0, 1, -3].forEach((k, i) => expect(p[i]).toBeCloseTo(c(k + 0.5) - c(k - 0.5), 6));
  });
});

describe('tails and offsets (the prior protocol)', () => {
  it('use quantiles where they exist and leave tailMass / 2 outside', () => {
    const d = new NoisyNormal(tf.tensor1d([0, 10.3]), tf.tensor1d([1, 4]));
    const lo = values(lowerTail(d, 2 ** -8));
    const hi = values(upperTail(d, 2 ** -8));
    expect(lo[0]).toBeCloseTo(normalQuantile(2 ** -9), 4);
    expect(hi[1]).toBeCloseTo(10.3 + 4 * normalQuantile(1 - 2 ** -9), 3);
    expect(values(quantizationOffset(d))).toEqual([0, expect.closeTo(0.3, 5)]);
  });

  it('fall back to a numerical search where there is no closed form (DeepFactorized)', () => {
    const start = tf.memory().numTensors;
    const d = new DeepFactorized({ batchShape: [3], seed: 1 });
    const lo = lowerTail(d, 0.01);
    const hi = upperTail(d, 0.01);
    const cdfLo = values(d.cdf(lo));
    const sfHi = values(d.survival(hi));
    for (const v of [...cdfLo, ...sfHi]) expect(v).toBeCloseTo(0.005, 5);
    lo.dispose();
    hi.dispose();
    d.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('DeepFactorized', () => {
  it('has the initial density spread of initScale and a density that integrates to 1', () => {
    const d = new DeepFactorized({ batchShape: [2], seed: 3 });
    expect(d.namedVariables().get('matrix_0')!.shape).toEqual([2, 3, 1]);
    expect(d.namedVariables().get('matrix_3')!.shape).toEqual([2, 1, 3]);
    expect(d.numParameters()).toBe(2 * (3 + 9 + 9 + 3 + 3 + 3 + 3 + 1 + 3 + 3 + 3));
    // Riemann sum of the density over a wide grid.
    const grid = Array.from({ length: 4001 }, (_, i) => -100 + i * 0.05);
    const x = tf.tensor2d(
      grid.flatMap((g) => [g, g]),
      [grid.length, 2],
    );
    const p = values(d.prob(x));
    const mass0 = grid.reduce((acc, _, i) => acc + p[2 * i]! * 0.05, 0);
    expect(mass0).toBeCloseTo(1, 3);
    // Its derivative-based density equals the finite difference of its CDF.
    const h = 1e-2;
    const c1 = values(d.cdf(tf.tensor2d([[0.3 + h, -2 + h]])));
    const c0 = values(d.cdf(tf.tensor2d([[0.3 - h, -2 - h]])));
    const dens = values(d.prob(tf.tensor2d([[0.3, -2]])));
    expect((c1[0]! - c0[0]!) / (2 * h)).toBeCloseTo(dens[0]!, 3);
    expect((c1[1]! - c0[1]!) / (2 * h)).toBeCloseTo(dens[1]!, 3);
    x.dispose();
    d.dispose();
  });

  it('NoisyDeepFactorized passes gradients to every parameter', () => {
    const start = tf.memory().numTensors;
    const d = new NoisyDeepFactorized({ batchShape: [2], seed: 4 });
    const x = tf.tensor2d([
      [0.2, -1],
      [3, 0.5],
    ]);
    const { grads, value } = tf.variableGrads(() => tf.neg(tf.sum(d.logProb(x))) as tf.Scalar, d.trainableVariables());
    expect(Object.keys(grads)).toHaveLength(d.trainableVariables().length);
    for (const g of Object.values(grads)) {
      const v = g.dataSync();
      expect(v.every(Number.isFinite)).toBe(true);
      expect(v.some((e) => e !== 0)).toBe(true);
    }
    tf.dispose([...Object.values(grads), value, x]);
    d.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
