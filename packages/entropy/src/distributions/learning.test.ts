import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContinuousBatchedEntropyModel } from '../entropy-models/continuous-batched.js';
import { NoisyDeepFactorized } from './deep-factorized.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Samples of Logistic(loc, s) from a fixed-seed LCG. */
function logisticSamples(n: number, loc: number, s: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const u = (state + 0.5) / 2 ** 32;
    return loc + s * Math.log(u / (1 - u));
  });
}

describe('learning a NoisyDeepFactorized prior', () => {
  it('gets within 0.03 bits per sample of the entropy of the quantized source after 400 Adam steps', () => {
    const start = tf.memory().numTensors;
    const loc = 1.3;
    const s = 2.5;
    // Entropy of round(X) for X ~ Logistic(loc, s), in closed form.
    const sig = (v: number) => 1 / (1 + Math.exp(-(v - loc) / s));
    let entropy = 0;
    for (let k = -200; k <= 200; k++) {
      const p = sig(k + 0.5) - sig(k - 0.5);
      if (p > 0) entropy -= p * Math.log2(p);
    }
    const prior = new NoisyDeepFactorized({ batchShape: [1], seed: 5 });
    const em = new ContinuousBatchedEntropyModel(prior, { codingRank: 2 });
    const optimizer = tf.train.adam(0.02);
    const batch = 1024;
    for (let step = 0; step < 400; step++) {
      const x = tf.tensor2d(logisticSamples(batch, loc, s, 1000 + step), [batch, 1]);
      optimizer.minimize(() => tf.div(tf.sum(em.call(x, true).bits), batch) as tf.Scalar, false, prior.trainableVariables());
      x.dispose();
    }
    const test = tf.tensor2d(logisticSamples(50_000, loc, s, 7), [50_000, 1]);
    const { values, bits } = em.call(test, false);
    const perSample = bits.dataSync()[0]! / 50_000;
    expect(perSample).toBeGreaterThan(entropy - 0.02); // sampling noise of the test set
    expect(perSample).toBeLessThan(entropy + 0.03);
    tf.dispose([test, values, bits]);
    optimizer.dispose();
    em.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
