import { CorruptStreamError, InvalidArgumentError, ModelMismatchError, safetensorsToStateDict, setBackend, stateDictToSafetensors } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NoisyDeepFactorized } from '../distributions/deep-factorized.js';
import { Logistic } from '../distributions/logistic.js';
import { NoisyLaplace, NoisyLogistic } from '../distributions/uniform-noise-adapter.js';
import { buildTables, buildTablesAsync } from './build-tables.js';
import { ContinuousBatchedEntropyModel } from './continuous-batched.js';
import { LocationScaleIndexedEntropyModel } from './location-scale-indexed.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Deterministic pseudo-random normal tensor. */
function normal(shape: number[], scale: number, seed: number): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
}

const scaleFn = (i: tf.Tensor): tf.Tensor => tf.exp(tf.add(Math.log(0.11), tf.mul(i, Math.log(256 / 0.11) / 63)));

function expectSame(a: tf.Tensor, b: tf.Tensor): void {
  expect(a.shape).toEqual(b.shape);
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
}

describe('ContinuousBatchedEntropyModel', () => {
  it.each([1, 2, 3, 4])('decompress(compress(x)) equals quantize(x) for coding rank %i and odd shapes', async (codingRank) => {
    const start = tf.memory().numTensors;
    const prior = new NoisyDeepFactorized({ batchShape: [3], seed: codingRank });
    const em = new ContinuousBatchedEntropyModel(prior, { codingRank, compression: true });
    const shape = [2, 5, 3, 7, 3].slice(5 - codingRank - 1);
    const x = normal(shape, 6, codingRank);
    const strings = await em.compress(x);
    expect(strings).toHaveLength(shape[0]!);
    const y = em.decompress(strings, shape.slice(1, -1));
    const q = em.quantize(x);
    expectSame(y, q);
    tf.dispose([x, y, q]);
    em.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('uses the prior offset, so a non-integer mode is a bin centre', async () => {
    const em = new ContinuousBatchedEntropyModel(new NoisyLogistic(tf.tensor1d([0.3, -0.2]), tf.tensor1d([1, 2])), {
      codingRank: 1,
      compression: true,
      coder: 'range',
    });
    const x = tf.tensor2d([
      [0.31, -0.19],
      [2.9, 5.1],
    ]);
    const q = em.quantize(x);
    expect(Array.from(q.dataSync())).toEqual([0.3, -0.2, 3.3, 4.8].map((v) => expect.closeTo(v, 5)));
    expectSame(em.decompress(await em.compress(x), []), q);
    em.dispose();
    // The offset heuristic switched off rounds to integers.
    const integer = new ContinuousBatchedEntropyModel(new NoisyLogistic(tf.tensor1d([0.3, -0.2]), tf.tensor1d([1, 2])), {
      codingRank: 1,
      compression: true,
      nonIntegerOffsets: false,
    });
    const qi = integer.quantize(x);
    expect(Array.from(qi.dataSync())).toEqual([0, 0, 3, 5]);
    expectSame(integer.decompress(await integer.compress(x), []), qi);
    integer.dispose();
  });

  it('passes gradients to x and every prior parameter, and leaks no tensors', () => {
    const start = tf.memory().numTensors;
    const prior = new NoisyDeepFactorized({ batchShape: [4], seed: 2 });
    const em = new ContinuousBatchedEntropyModel(prior, { codingRank: 3 });
    const x0 = normal([2, 3, 5, 4], 3, 7);
    const x = tf.variable(x0);
    x0.dispose();
    const vars = [x, ...prior.trainableVariables()];
    const { value, grads } = tf.variableGrads(() => tf.sum(em.call(x, true).bits) as tf.Scalar, vars);
    expect(Object.keys(grads)).toHaveLength(vars.length);
    for (const g of Object.values(grads)) expect(g.dataSync().some((v) => v !== 0 && Number.isFinite(v))).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
    x.dispose();
    em.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  // As TFC's test_information_bounds: the training bits are an upper bound only in
  // expectation over data, so they are checked to 0.25 % (TFC: > 0.9975 x eval bits).
  it('updateTablesAsync builds the offsets and tables updateTables builds, once the prior has moved', async () => {
    const before = tf.memory().numTensors;
    const tables = (em: ContinuousBatchedEntropyModel) => {
      const state = em.stateDict();
      const out = Object.fromEntries(['cdf', 'cdf_length', 'cdf_offset', 'quantization_offset'].map((k) => [k, Array.from(state[k]!.dataSync())]));
      tf.dispose(Object.values(state));
      return out;
    };
    for (const seed of [3, 8]) {
      const make = () => new ContinuousBatchedEntropyModel(new NoisyDeepFactorized({ batchShape: [5], seed }), { codingRank: 3, compression: true });
      const [a, b] = [make(), make()];
      // Move the priors away from their initial tables, the same way.
      for (const em of [a, b]) {
        for (const v of em.trainableVariables()) tf.tidy(() => v.assign(tf.add(v, tf.mul(0.3, tf.randomNormal(v.shape, 0, 1, 'float32', seed)))));
      }
      const initial = tables(a);
      a.updateTables();
      await b.updateTablesAsync();
      expect(tables(b)).toEqual(tables(a));
      expect(tables(a)['cdf']).not.toEqual(initial['cdf']);
      a.dispose();
      b.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('buildTablesAsync finds tails by the asynchronous search where the prior has only logCdf / logSurvival', async () => {
    const before = tf.memory().numTensors;
    const [loc, scale] = [tf.tensor1d([0.3, -2]), tf.tensor1d([1, 3])];
    const base = new Logistic(loc, scale);
    // No quantile or tail hooks: the tails come from solveMonotone / solveMonotoneAsync.
    const searchOnly = {
      batchShape: base.batchShape,
      prob: (x: tf.Tensor) => base.prob(x),
      logProb: (x: tf.Tensor) => base.logProb(x),
      logCdf: (x: tf.Tensor) => base.logCdf(x),
      logSurvival: (x: tf.Tensor) => base.logSurvival(x),
    };
    const sync = buildTables(searchOnly, 2 ** -8, 12);
    const async = await buildTablesAsync(searchOnly, 2 ** -8, 12);
    expect(Array.from(async.cdf)).toEqual(Array.from(sync.cdf));
    expect(async.width).toBe(sync.width);
    expect(Array.from(async.tables.offsets)).toEqual(Array.from(sync.tables.offsets));
    tf.dispose([loc, scale]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bits per coding unit: training bits >= eval bits; compressed bits >= eval bits and within 0.5 %', async () => {
    for (const scale of [0.25, 1, 8, 128]) {
      // 16-bit tables: at TFC's default 12 bits, wide priors (scale 128: ~1400 symbols)
      // lose ~1.3 % to the frequency quantization.
      const em = new ContinuousBatchedEntropyModel(new NoisyLaplace(0, scale), {
        codingRank: 1,
        compression: true,
        rangeCoderPrecision: 16,
      });
      const x = tf.tensor1d(laplaceSamples(100_000, scale, 11));
      const train = tf.tidy(() => tf.mean(tf.stack([0, 1, 2, 3].map(() => em.call(x, true).bits))).dataSync()[0]!);
      const evalOut = em.call(x, false);
      const evalBits = evalOut.bits.dataSync()[0]!;
      const bytes = (await em.compress(tf.reshape(x, [1, -1])))[0]!.length;
      // Closed form: -sum log2(c(k + 1/2) - c(k - 1/2)) over the quantized values.
      const q = evalOut.values.dataSync();
      let closed = 0;
      for (const k of q) closed -= Math.log2(laplaceCdf(k + 0.5, scale) - laplaceCdf(k - 0.5, scale));
      expect(evalBits / closed).toBeCloseTo(1, 4);
      expect(train).toBeGreaterThan(evalBits * 0.9975);
      expect(bytes * 8).toBeGreaterThanOrEqual(evalBits);
      expect(bytes * 8).toBeLessThanOrEqual(evalBits * 1.005 + 64);
      tf.dispose([x, evalOut.values, evalOut.bits]);
      em.dispose();
    }
  });

  it('saves and reloads to byte-identical streams, and decodes streams made before saving', async () => {
    const a = new ContinuousBatchedEntropyModel(new NoisyDeepFactorized({ batchShape: [5], seed: 1 }), {
      codingRank: 2,
      compression: true,
    });
    const x = normal([3, 6, 5], 4, 3);
    const strings = await a.compress(x);
    const state = a.stateDict();
    expect(Object.keys(state)).toEqual(expect.arrayContaining(['cdf', 'cdf_length', 'cdf_offset', 'quantization_offset']));
    const bytes = await stateDictToSafetensors(state);
    tf.dispose(Object.values(state));
    const b = new ContinuousBatchedEntropyModel(new NoisyDeepFactorized({ batchShape: [5], seed: 99 }), {
      codingRank: 2,
      compression: true,
    });
    expect(await b.compress(x)).not.toEqual(strings);
    const loaded = safetensorsToStateDict(bytes);
    b.loadStateDict(loaded);
    tf.dispose(Object.values(loaded));
    expect(await b.compress(x)).toEqual(strings);
    expectSame(b.decompress(strings, [6]), a.quantize(x));
    // Another model's tables cannot read these streams: the decoder says so.
    const other = new ContinuousBatchedEntropyModel(new NoisyDeepFactorized({ batchShape: [5], seed: 7 }), {
      codingRank: 2,
      compression: true,
    });
    expect(() => other.decompress(strings, [6])).toThrow(CorruptStreamError);
    other.dispose();
    a.dispose();
    b.dispose();
    x.dispose();
  });

  it('refuses damaged table state and streams that do not fit the shape', async () => {
    const em = new ContinuousBatchedEntropyModel(new NoisyLaplace(0, 3), { codingRank: 1, compression: true });
    const state = em.stateDict();
    const badCdf = tf.tensor2d(
      Array.from(state['cdf']!.dataSync()).map((v, i) => (i === 2 ? 0 : v)),
      state['cdf']!.shape as [number, number],
      'int32',
    );
    expect(() => em.loadStateDict({ ...state, cdf: badCdf })).toThrow(ModelMismatchError);
    const { cdf_length: _dropped, ...missing } = state;
    expect(() => em.loadStateDict(missing)).toThrow(/missing integer table "cdf_length"/);
    const x = tf.tensor2d([[0, 1, -2, 5, 30, -1, 0, 2]]);
    const strings = await em.compress(x);
    expect(() => em.decompress(strings, [4])).toThrow(CorruptStreamError);
    expect(() => em.decompress(strings, [20])).toThrow(CorruptStreamError);
    const plain = new ContinuousBatchedEntropyModel(new NoisyLaplace(0, 3), { codingRank: 1 });
    await expect(plain.compress(x)).rejects.toThrow(InvalidArgumentError);
    tf.dispose([...Object.values(state), badCdf, x]);
    em.dispose();
  });
});

describe('LocationScaleIndexedEntropyModel', () => {
  it('decompress(compress(x)) equals quantize(x) with locations, for odd shapes and both coders', async () => {
    for (const coder of ['range', 'rans'] as const) {
      const start = tf.memory().numTensors;
      const em = new LocationScaleIndexedEntropyModel({ numScales: 64, scaleFn, codingRank: 3, compression: true, coder });
      const x = normal([2, 5, 7, 3], 10, 5);
      const idx = tf.tidy(() => tf.floor(tf.randomUniform([2, 5, 7, 3], 0, 64, 'float32', 6)));
      const loc = normal([2, 5, 7, 3], 2, 8);
      const strings = await em.compressWithLoc(x, idx, loc);
      const y = await em.decompressWithLoc(strings, idx, loc);
      const q = em.quantizeWithLoc(x, idx, loc);
      expectSame(y, q);
      tf.dispose([x, idx, loc, y, q]);
      em.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
  });

  it("codes a tensor in parts into one incremental stream per unit; one part gives compress's bytes", async () => {
    for (const coder of ['range', 'rans'] as const) {
      const start = tf.memory().numTensors;
      const em = new LocationScaleIndexedEntropyModel({ numScales: 64, scaleFn, codingRank: 3, compression: true, coder });
      const x = normal([2, 5, 7, 6], 10, 11);
      const idx = tf.tidy(() => tf.floor(tf.randomUniform([2, 5, 7, 6], 0, 64, 'float32', 12)));
      const loc = normal([2, 5, 7, 6], 2, 13);
      // Two channel slices, the second coded after the first, as a channel-autoregressive model does.
      const [xs, is, ls] = [x, idx, loc].map((t) => tf.split(t, [2, 4], 3)) as [tf.Tensor[], tf.Tensor[], tf.Tensor[]];
      const encoders = [em.createEncoder(), em.createEncoder()];
      const coded = [
        await em.compressIncrementalWithLoc(encoders, xs[0]!, is[0]!, ls[0]!),
        await em.compressIncrementalWithLoc(encoders, xs[1]!, is[1]!, ls[1]!),
      ];
      const streams = encoders.map((e) => e.finish());
      const decoders = streams.map((s) => em.createDecoder(s));
      const decoded = [await em.decompressIncrementalWithLoc(decoders, is[0]!, ls[0]!), await em.decompressIncrementalWithLoc(decoders, is[1]!, ls[1]!)];
      for (const d of decoders) d.finish();
      for (let k = 0; k < 2; k++) {
        const q = em.quantizeWithLoc(xs[k]!, is[k]!, ls[k]!);
        expectSame(coded[k]!, q);
        expectSame(decoded[k]!, q);
        q.dispose();
      }
      // Reading past a part's end, or stopping early, is caught.
      const short = streams.map((s) => em.createDecoder(s));
      const first = await em.decompressIncrementalWithLoc(short, is[0]!, ls[0]!);
      expect(() => short[0]!.finish()).toThrow(CorruptStreamError);
      // The whole tensor in one call: the bytes of compress.
      const whole = [em.createEncoder(), em.createEncoder()];
      (await em.compressIncrementalWithLoc(whole, x, idx, loc)).dispose();
      expect(whole.map((e) => Array.from(e.finish()))).toEqual((await em.compressWithLoc(x, idx, loc)).map((s) => Array.from(s)));
      await expect(em.compressIncrementalWithLoc([em.createEncoder()], x, idx, loc)).rejects.toThrow(/expected 2 encoders/);
      tf.dispose([x, idx, loc, ...xs, ...is, ...ls, ...coded, ...decoded, first]);
      em.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
    const plain = new LocationScaleIndexedEntropyModel({ numScales: 4, scaleFn, codingRank: 1 });
    expect(() => plain.createEncoder()).toThrow(InvalidArgumentError);
    plain.dispose();
  });

  it('gives Gaussian bits in closed form and passes gradients to x, loc and scale inputs', () => {
    const em = new LocationScaleIndexedEntropyModel({ numScales: 64, scaleFn, codingRank: 1 });
    const x = tf.tensor2d([[0.2, -3.7, 12]]);
    const idx = tf.tensor2d([[10, 30, 50]]);
    const { bits, values } = em.callWithLoc(x, idx, undefined, false);
    const scales = scaleFn(idx).dataSync();
    const phi = (v: number) => 0.5 * (1 + erf(v / Math.SQRT2));
    let closed = 0;
    values.dataSync().forEach((k, i) => (closed -= Math.log2(phi((k + 0.5) / scales[i]!) - phi((k - 0.5) / scales[i]!))));
    expect(bits.dataSync()[0]! / closed).toBeCloseTo(1, 4);
    const loc = tf.zeros([1, 3]);
    const g = tf.grads((xx: tf.Tensor, ll: tf.Tensor, ii: tf.Tensor) => tf.sum(em.callWithLoc(xx, ii, ll, true).bits))([x, loc, idx]);
    for (const t of g) expect(t.dataSync().some((v) => v !== 0)).toBe(true);
    tf.dispose([x, idx, bits, values, loc, ...g]);
  });
});

function laplaceSamples(n: number, b: number, seed: number): Float32Array {
  let s = seed;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return Float32Array.from({ length: n }, () => {
    const u = rand() - 0.5;
    return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  });
}

function laplaceCdf(x: number, b: number): number {
  return x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b);
}

/** erf by series / continued fraction (double precision). */
function erf(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    1 -
    t *
      Math.exp(
        -x * x -
          1.26551223 +
          t *
            (1.00002368 +
              t *
                (0.37409196 +
                  t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
      );
  return x >= 0 ? y : -y;
}
