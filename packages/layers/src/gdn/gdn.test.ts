import { InvalidArgumentError, ModelMismatchError, setBackend, ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradients, expectClose, expectNoLeak, expectStateDictRoundTrip, take, uniform, variableOf } from '../test-helpers.js';
import { GDN, IGDN } from './gdn.js';
import type { GdnForm } from './gdn.js';
import { convertGdnWeights, loadGdnWeights } from './load-gdn-weights.js';
import { GDN_REPARAM_OFFSET, nonnegativeParameterValue } from './nonnegative-parameter.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const PEDESTAL = 2 ** -36;

/** Loads effective beta / gamma (TFC orientation) into `gdn`. */
function setEffective(gdn: GDN, beta: number[], gamma: number[][]): void {
  const b = tf.tensor1d(beta);
  const g = tf.tensor2d(gamma);
  loadGdnWeights(gdn, { beta: b, gamma: g }, { source: 'tfc', storage: 'effective' });
  tf.dispose([b, g]);
}

/** Random effective weights well inside the domain (no value near the bounds). */
function setRandom(gdn: GDN, seed: number): void {
  const c = gdn.channels;
  const b = uniform([c], seed, 0.5, 1.5);
  const g = uniform([c, c], seed + 1, 0.05, 0.3);
  loadGdnWeights(gdn, { beta: b, gamma: g }, { source: 'tfc', storage: 'effective' });
  tf.dispose([b, g]);
}

describe('GDN', () => {
  it('initialises beta = 1 and gamma = 0.1 I through the TFC reparameterization', () => {
    expectNoLeak(() => {
      const gdn = new GDN(3);
      expect(GDN_REPARAM_OFFSET).toBe(2 ** -18);
      expect([...gdn.namedVariables().keys()]).toEqual(['beta', 'gamma']);
      expect(gdn.trainableVariables()).toHaveLength(2);
      // Stored values: sqrt(max(p + 2^-36, 2^-36)).
      expectClose(take(tf.clone(gdn.beta)), [1, 1, 1], 1e-7);
      const raw = take(tf.clone(gdn.gamma));
      const diag = Math.fround(Math.sqrt(0.1 + PEDESTAL));
      expectClose(raw, [diag, 2 ** -18, 2 ** -18, 2 ** -18, diag, 2 ** -18, 2 ** -18, 2 ** -18, diag], 0, 1e-7);
      // Effective values: off-diagonal 2^-18 squared minus the pedestal is exactly 0.
      expect(take(gdn.effectiveBeta())).toEqual([1, 1, 1]);
      expectClose(take(gdn.effectiveGamma()), [0.1, 0, 0, 0, 0.1, 0, 0, 0, 0.1], 1e-8, 1e-6);
      gdn.dispose();
    });
  });

  const xs = [-3, -1, 0, 0.5, 3];
  it.each([
    ['classic', false, (x: number) => x / Math.sqrt(2 + 0.5 * x * x)],
    ['classic', true, (x: number) => x * Math.sqrt(2 + 0.5 * x * x)],
    ['simplified', false, (x: number) => x / (2 + 0.5 * Math.abs(x))],
    ['simplified', true, (x: number) => x * (2 + 0.5 * Math.abs(x))],
  ] as const)('computes the closed form of one channel with beta = 2, gamma = 0.5 (%s, inverse %s)', (form, inverse, f) => {
    expectNoLeak(() => {
      const gdn = inverse ? new IGDN(1, { form }) : new GDN(1, { form });
      expect(gdn.inverse).toBe(inverse);
      setEffective(gdn, [2], [[0.5]]);
      const x = tf.tensor4d(xs, [1, 1, 5, 1]);
      expectClose(take(gdn.call(x)), xs.map(f), 1e-6, 1e-6);
      x.dispose();
      gdn.dispose();
    });
  });

  it('weights input j in the norm of output i by gamma[j, i] (TFC orientation); CompressAI gamma is transposed on load', () => {
    expectNoLeak(() => {
      // gamma[j][i], TFC orientation: norm_0 = 1 + 0.1 * 1 + 0.3 * 4 = 2.3, norm_1 = 2 + 0.7 * 1 + 0.2 * 4 = 3.5.
      const gammaTfc = [
        [0.1, 0.7],
        [0.3, 0.2],
      ];
      const expected = [1 / Math.sqrt(2.3), 2 / Math.sqrt(3.5)];
      const x = tf.tensor2d([[1, 2]]);
      const tfc = new GDN(2);
      setEffective(tfc, [1, 2], gammaTfc);
      expectClose(take(tfc.call(x)), expected, 1e-6, 1e-6);

      // CompressAI stores [C_out, C_in]: the transpose, in both storages.
      const gammaCai = tf.tensor2d([
        [0.1, 0.3],
        [0.7, 0.2],
      ]);
      const beta = tf.tensor1d([1, 2]);
      for (const storage of ['effective', 'reparameterized'] as const) {
        const cai = new GDN(2);
        const stored = (t: tf.Tensor): tf.Tensor => tf.tidy(() => (storage === 'effective' ? tf.clone(t) : tf.sqrt(tf.add(t, PEDESTAL))));
        const g = stored(gammaCai);
        const b = stored(beta);
        loadGdnWeights(cai, { beta: b, gamma: g }, { source: 'compressai', storage });
        expectClose(take(cai.call(x)), expected, 1e-6, 1e-6);
        expectClose(take(cai.effectiveGamma()), gammaTfc.flat(), 1e-7, 1e-6);
        tf.dispose([g, b]);
        cai.dispose();
      }
      tf.dispose([x, gammaCai, beta]);
      tfc.dispose();
    });
  });

  it('copies reparameterized values bit for bit, and values below the bound act as the minimum', () => {
    expectNoLeak(() => {
      const gdn = new GDN(2);
      const beta = tf.tensor1d([0.5, 1e-5]); // 1e-5 < bound sqrt(1e-6 + 2^-36) ~ 1e-3
      const gamma = tf.tensor2d([
        [0.25, 0],
        [-0.1, 0.5],
      ]);
      loadGdnWeights(gdn, { beta, gamma }, { source: 'tfc' });
      const dict = gdn.stateDict();
      expect(Array.from(dict['beta']!.dataSync())).toEqual(Array.from(beta.dataSync()));
      expect(Array.from(dict['gamma']!.dataSync())).toEqual(Array.from(gamma.dataSync()));
      tf.dispose(Object.values(dict));
      expectClose(take(gdn.effectiveBeta()), [0.25, 1e-6], 1e-10, 1e-5);
      expectClose(take(gdn.effectiveGamma()), [0.0625, 0, 0, 0.25], 1e-10, 1e-6);
      tf.dispose([beta, gamma]);
      gdn.dispose();
    });
  });

  it('passes the gradient of a parameter stuck below its bound only towards the bound (identity_if_towards)', () => {
    expectNoLeak(() => {
      const bound = Math.sqrt(1e-6 + PEDESTAL);
      const raw = variableOf(tf.tensor1d([1e-5, 0.5]));
      for (const [sign, expected] of [
        [-1, [-2 * bound, -1]], // loss decreases when beta grows: passed at the bound
        [1, [0, 1]], // loss decreases when beta shrinks, away from the feasible set: blocked
      ] as const) {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(nonnegativeParameterValue(raw, 1e-6), sign)) as tf.Scalar, [raw]);
        expectClose(take(grads[raw.name]!), expected, 1e-9, 1e-5);
        value.dispose();
      }
      raw.dispose();
    });
  });

  it('refuses weights that do not fit, changing nothing', () => {
    expectNoLeak(() => {
      const gdn = new GDN(2);
      const before = gdn.stateDict();
      const good = { beta: tf.ones([2]), gamma: tf.eye(2) };
      const cases: Array<[Record<string, unknown>, Record<string, unknown>, new (...a: never[]) => Error]> = [
        [{ beta: tf.ones([3]), gamma: tf.eye(2) }, { source: 'tfc' }, ModelMismatchError],
        [{ beta: tf.ones([2]), gamma: tf.ones([2, 3]) }, { source: 'compressai' }, ModelMismatchError],
        [{ beta: tf.ones([2], 'int32'), gamma: tf.eye(2) }, { source: 'tfc' }, ModelMismatchError],
        [{ beta: tf.tensor1d([1, NaN]), gamma: tf.eye(2) }, { source: 'tfc' }, InvalidArgumentError],
        [{ beta: tf.tensor1d([1, 1e-8]), gamma: tf.eye(2) }, { source: 'tfc', storage: 'effective' }, InvalidArgumentError],
        [
          {
            beta: tf.ones([2]),
            gamma: tf.tensor2d([
              [1, -0.1],
              [0, 1],
            ]),
          },
          { source: 'tfc', storage: 'effective' },
          InvalidArgumentError,
        ],
        [{ ...good }, { source: 'pytorch' }, InvalidArgumentError],
        [{ ...good }, { source: 'tfc', storage: 'raw' }, InvalidArgumentError],
      ];
      for (const [weights, options, error] of cases) {
        expect(() => loadGdnWeights(gdn, weights as never, options as never)).toThrow(error);
        expect(() => convertGdnWeights(gdn, weights as never, options as never)).toThrow(error);
      }
      const after = gdn.stateDict();
      for (const k of Object.keys(before)) expect(Array.from(after[k]!.dataSync())).toEqual(Array.from(before[k]!.dataSync()));
      const owned = new Set<tf.Tensor>(Object.values(good));
      for (const [w] of cases) for (const t of Object.values(w)) if (!owned.has(t as tf.Tensor)) tf.dispose(t as tf.Tensor);
      tf.dispose([...Object.values(good), ...Object.values(before), ...Object.values(after)]);
      expect(() => new GDN(0)).toThrow(InvalidArgumentError);
      expect(() => new GDN(2, { form: 'other' as GdnForm })).toThrow(InvalidArgumentError);
      expect(() => new GDN(2, { betaMin: 0 })).toThrow(InvalidArgumentError);
      gdn.dispose();
    });
  });

  it('keeps the shape of odd-sized NHWC and rank-2 inputs, refuses other channel counts, and leaks nothing', () => {
    expectNoLeak(() => {
      const x = uniform([2, 17, 23, 3], 1, -2, 2);
      const wrong = tf.zeros([1, 4, 4, 2]);
      for (const form of ['classic', 'simplified'] as const) {
        for (const gdn of [new GDN(3, { form }), new IGDN(3, { form })]) {
          const y = gdn.call(x);
          expect(y.shape).toEqual([2, 17, 23, 3]);
          expect(take(tf.tidy(() => tf.sum(tf.cast(tf.isFinite(y), 'float32'))))).toEqual([2 * 17 * 23 * 3]);
          y.dispose();
          const flat = tf.ones([5, 3]);
          expect(take(gdn.call(flat))).toHaveLength(15);
          flat.dispose();
          expect(() => gdn.call(wrong)).toThrow(ShapeError);
          gdn.dispose();
        }
      }
      tf.dispose([x, wrong]);
    });
  });

  it.each([
    ['classic', false],
    ['classic', true],
    ['simplified', false],
    ['simplified', true],
  ] as const)('has gradients equal to finite differences (%s, inverse %s)', (form, inverse) => {
    expectNoLeak(() => {
      const gdn = new GDN(3, { form, inverse });
      setRandom(gdn, 11);
      // Inputs away from 0, where |x| has its kink.
      const x = variableOf(tf.tidy(() => tf.mul(tf.sign(uniform([1, 2, 3, 3], 3)), uniform([1, 2, 3, 3], 4, 0.3, 1.2))));
      const r = uniform([1, 2, 3, 3], 5);
      checkGradients(() => tf.sum(tf.mul(gdn.call(x), r)) as tf.Scalar, [x, gdn.beta, gdn.gamma]);
      tf.dispose([x, r]);
      gdn.dispose();
    });
  });

  it.each(['cpu', 'wasm'] as const)('has its written-out gradient equal to the autodiff of the plain formula (%s)', async (backend) => {
    await setBackend(backend);
    try {
      for (const form of ['classic', 'simplified'] as GdnForm[]) {
        for (const inverse of [false, true]) {
          const gdn = new GDN(5, { form, inverse });
          setRandom(gdn, 21);
          const x = variableOf(uniform([2, 3, 4, 5], 22, -2, 2));
          const r = uniform([2, 3, 4, 5], 23);
          const vars = [x, gdn.beta, gdn.gamma];
          const plain = (): tf.Scalar =>
            tf.tidy(() => {
              const pool = form === 'classic' ? tf.square(x) : tf.abs(x);
              let norm = tf.reshape(tf.add(tf.matMul(tf.reshape(pool, [-1, 5]), gdn.effectiveGamma()), gdn.effectiveBeta()), x.shape);
              if (form === 'classic') norm = tf.sqrt(norm);
              return tf.sum(tf.mul(inverse ? tf.mul(x, norm) : tf.div(x, norm), r));
            });
          const ours = tf.variableGrads(() => tf.sum(tf.mul(gdn.call(x), r)) as tf.Scalar, vars);
          const ref = tf.variableGrads(plain, vars);
          expectClose(take(ours.value), take(ref.value), 1e-6, 1e-5);
          for (const v of vars) expectClose(take(ours.grads[v.name]!), take(ref.grads[v.name]!), 1e-5, 1e-4);
          // No tensor leaks through the custom gradient.
          const start = tf.memory().numTensors;
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(gdn.call(x), r)) as tf.Scalar, vars);
          tf.dispose([value, ...Object.values(grads)]);
          expect(tf.memory().numTensors).toBe(start);
          tf.dispose([x, r]);
          gdn.dispose();
        }
      }
    } finally {
      await setBackend('cpu');
    }
  });

  it('round-trips its state dict', () => {
    let seed = 100;
    expectStateDictRoundTrip(
      () => {
        const g = new GDN(3, { form: 'simplified' });
        setRandom(g, (seed += 7));
        return g;
      },
      (g) => tf.tidy(() => g.call(uniform([1, 5, 7, 3], 9))),
    );
  });
});
