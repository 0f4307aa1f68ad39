import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockAnalysis, blockDctKernel, blockSynthesis, dctBasis, jpegLikeLogGains, ResidualPostFilter } from './block-transform.js';
import { createModel } from './registry.js';

beforeAll(async () => {
  await setBackend('wasm');
});

describe('block transform', () => {
  it('the colour x DCT kernel is orthonormal (K^T K = I)', () => {
    const k = blockDctKernel(4); // 48 x 48 as a matrix [pixels*colours, coefficients]
    const n = 48;
    let worst = 0;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += k[r * n + a]! * k[r * n + b]!;
        worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
    expect(dctBasis(0, 3, 8)).toBeCloseTo(Math.sqrt(1 / 8), 12);
  });

  it('analysis then synthesis is the identity at initialisation; the post-filter starts as the identity', () => {
    const a = blockAnalysis();
    const s = blockSynthesis();
    const f = new ResidualPostFilter(4);
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([1, 24, 16, 3], 0, 1, 'float32', 4);
    const y = a.call(x);
    expect(y.shape).toEqual([1, 3, 2, 192]);
    const back = tf.tidy(() => f.call(s.call(y)));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(back, x))).dataSync()[0]!)).toBeLessThan(1e-5);
    // The DC coefficient of the luma-like channel is 8 * sqrt(3) * block mean.
    const dc = y.dataSync()[0]!;
    const mean = tf.tidy(() => tf.mean(tf.slice(x, [0, 0, 0, 0], [1, 8, 8, 3])).dataSync()[0]!);
    expect(dc).toBeCloseTo(8 * Math.sqrt(3) * mean, 4);
    tf.dispose([x, y, back]);
    expect(tf.memory().numTensors).toBe(before);
    for (const m of [a, s, f]) m.dispose();
  });

  it('JPEG-like gains follow the IJG quality scaling', () => {
    const [q50, q90] = jpegLikeLogGains([50, 90]);
    expect(q50!.length).toBe(192);
    expect(Math.exp(q50![0]!)).toBeCloseTo(255 / 16, 6); // luma DC step 16 at quality 50
    expect(Math.exp(q90![0]!)).toBeCloseTo(255 / 3, 6); // floor((16 * 20 + 50) / 100) = 3
    expect(Math.exp(q50![64]!)).toBeCloseTo(255 / 17, 6); // chroma DC
  });

  it('block-hyperprior: data-dependent initialisation sets per-channel offsets from the batch', () => {
    const model = createModel('block-hyperprior', { N: 4, M: 192, lambdas: [0.005, 0.05] });
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    model.initializeFromData(x);
    const lc = model.latentCodec as unknown as { channelOffsets: { index: tf.Variable; loc: tf.Variable } };
    const loc = lc.channelOffsets.loc.dataSync();
    const index = lc.channelOffsets.index.dataSync();
    // The (un-gained) luma DC channel's mean is 8 sqrt(3) x the mean pixel (0.5 for uniform noise).
    expect(loc[0]! * 20).toBeCloseTo(8 * Math.sqrt(3) * 0.5, 1);
    expect(Math.abs(loc[100]! * 20)).toBeLessThan(0.1);
    // White noise: every AC coefficient has the pixel spread 1/sqrt(12) ≈ 0.289 (orthonormal transform).
    const indexOf = (sd: number): number => (Math.log(sd) - Math.log(0.11)) / ((Math.log(256) - Math.log(0.11)) / 63);
    expect(index[5]! * 20).toBeCloseTo(indexOf(1 / Math.sqrt(12)), 0);
    x.dispose();
    model.dispose();
  });
});
