import { InvalidArgumentError, setBackend, type ExactMap } from '@ncomp/core';
import { ContinuousBatchedEntropyModel, NoisyDeepFactorized } from '@ncomp/entropy';
import { CharmTransforms, Conv2d, ConvTranspose2d, Sequential, relu } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharmConditional } from './charm-conditional.js';
import { CharmLatentCodec } from './charm-latent-codec.js';
import { pointwiseConditional, type ConditionalCodec, type ConditionalForward, type ExactConditional } from './conditional-codec.js';
import { HyperConditionalCodec } from './hyper-conditional-codec.js';
import { HyperpriorLatentCodec } from './hyperprior-latent-codec.js';
import { IndexedConditional } from './indexed-conditional.js';
import { MeanScaleConditional } from './mean-scale-conditional.js';

beforeAll(async () => {
  await setBackend('wasm');
});

const [M, Z] = [4, 3];
const o = { stride: 2, padding: 'same_zeros' } as const;
const hyperAnalysis = (): Sequential => new Sequential([new Conv2d(M, Z, 3, o), relu, new Conv2d(Z, Z, 3, o)]);
const hyperSynthesis = (c: number): Sequential => new Sequential([new ConvTranspose2d(Z, Z, 3, o), relu, new ConvTranspose2d(Z, c, 3, o)]);
const bottleneck = (nonIntegerOffsets = true): ContinuousBatchedEntropyModel =>
  new ContinuousBatchedEntropyModel(new NoisyDeepFactorized({ batchShape: [Z], seed: 1 }), { codingRank: 3, compression: true, nonIntegerOffsets });

/** Streams, checks and ŷ of `codec` on `y`, after `update`. */
async function coded(codec: HyperConditionalCodec, y: tf.Tensor4D): Promise<unknown> {
  codec.update();
  const c = await codec.compress(y);
  const result = { streams: c.streams, checks: c.checks, yHat: Array.from(await c.yHat.data()) };
  c.yHat.dispose();
  return result;
}

describe('HyperConditionalCodec', () => {
  it('composed from its parts, codes exactly as HyperpriorLatentCodec with the same weights (the same state-dict names)', async () => {
    const y = tf.randomNormal([2, 8, 12, M], 0, 3, 'float32', 3) as tf.Tensor4D;
    const named = new HyperpriorLatentCodec({
      latentChannels: M,
      hyperChannels: Z,
      hyperAnalysis: hyperAnalysis(),
      hyperSynthesis: hyperSynthesis(2 * M),
      hyperDownsampling: 4,
      mean: true,
      indexOffset: 24,
    });
    const composed = new HyperConditionalCodec({
      hyperAnalysis: hyperAnalysis(),
      hyperSynthesis: hyperSynthesis(2 * M),
      hyperBottleneck: bottleneck(),
      hyperChannels: Z,
      hyperDownsampling: 4,
      y: new MeanScaleConditional({ latentChannels: M, mean: true, indexOffset: 24, coder: 'rans' }),
    });
    const state = named.stateDict();
    composed.loadStateDict(state); // strict: every name matches
    tf.dispose(Object.values(state));
    expect(await coded(composed, y)).toEqual(await coded(named, y));
    const [a, b] = [named.forward(y, false), composed.forward(y, false)];
    expect(Array.from(await b.bits.data())).toEqual(Array.from(await a.bits.data()));
    tf.dispose([y, a.yHat, a.bits, b.yHat, b.bits]);
    named.dispose();
    composed.dispose();
  });

  it("registers the y codec's modules: ChARM from its parts codes as CharmLatentCodec", async () => {
    const transforms = (): CharmTransforms =>
      new CharmTransforms({
        latentChannels: M,
        numSlices: 2,
        maxSupportSlices: -1,
        hyperMeanChannels: 2,
        hyperScaleChannels: 2,
        hiddenChannels: [4],
        kernelSizes: [3, 3],
      });
    const named = new CharmLatentCodec({
      hyperChannels: Z,
      hyperAnalysis: hyperAnalysis(),
      hyperSynthesis: hyperSynthesis(4),
      hyperDownsampling: 4,
      transforms: transforms(),
    });
    const composed = new HyperConditionalCodec({
      hyperAnalysis: hyperAnalysis(),
      hyperSynthesis: hyperSynthesis(4),
      hyperBottleneck: bottleneck(false),
      hyperChannels: Z,
      hyperDownsampling: 4,
      hyperSynthesisInput: 'rounded',
      y: new CharmConditional({ transforms: transforms(), coder: 'rans' }),
    });
    expect([...composed.namedVariables().keys()]).toEqual([...named.namedVariables().keys()]);
    const state = named.stateDict();
    composed.loadStateDict(state);
    tf.dispose(Object.values(state));
    const y = tf.randomNormal([1, 8, 8, M], 0, 3, 'float32', 4) as tf.Tensor4D;
    expect(await coded(composed, y)).toEqual(await coded(named, y));
    // Fixed-rate: no gain.
    expect(() => composed.forward(y, false, tf.ones([M]) as tf.Tensor1D)).toThrow(InvalidArgumentError);
    // Coded band by band (slice after slice, each in bands of 4 rows): the same streams, check and ŷ.
    named.update();
    const tall = tf.randomNormal([1, 20, 8, M], 0, 3, 'float32', 5) as tf.Tensor4D;
    const data = (await tall.data()) as Float32Array;
    const whole = await named.compress(tall);
    const rows = { height: 20, width: 8, read: (r0: number, r1: number) => Promise.resolve(data.slice(r0 * 8 * M, r1 * 8 * M)) };
    const banded = await named.compressRows(rows, undefined, 4);
    expect(banded.streams).toEqual(whole.streams[0]);
    expect(banded.check).toEqual(whole.checks[0]);
    const decoded = new Float32Array(data.length);
    let next = 0;
    await named.decompressRows(banded.streams, [20, 8], undefined, banded.check, 4, (r0, band) => {
      expect(r0).toBe(next);
      decoded.set(band, r0 * 8 * M);
      next = r0 + band.length / (8 * M);
      return Promise.resolve();
    });
    expect(next).toBe(20);
    expect(decoded).toEqual(await whole.yHat.data());
    tf.dispose([tall, whole.yHat]);
    y.dispose();
    named.dispose();
    composed.dispose();
  });

  it("takes a y codec of one's own; its parts are verified against the check stream", async () => {
    /** A scale-only y codec whose h_s gives scale indexes; `shift` moves the decoder's tables (a portability mismatch). */
    class ScaleOnly implements ConditionalCodec {
      readonly latentChannels = M;
      readonly paramChannels = M;
      readonly parts = 1;
      readonly variableRate = false;
      readonly conditional = new IndexedConditional({ coder: 'rans', indexOffset: 20 });
      shift = 0;
      forward(y: tf.Tensor4D, params: tf.Tensor4D, training: boolean): ConditionalForward {
        const { yHat, bits } = this.conditional.forward(y, this.conditional.indexes(params), undefined, training);
        return { yHat, bits: [bits] };
      }
      exact(): Promise<ExactConditional> {
        const shift = this.shift;
        return Promise.resolve(
          pointwiseConditional((params: ExactMap) => ({
            indexes: this.conditional.tableIndexes(params, 0, M, new Float64Array(M).fill(shift)),
            loc: new Float64Array(params.height * params.width * M),
          })),
        );
      }
    }
    const y0 = new ScaleOnly();
    const codec = new HyperConditionalCodec({
      hyperAnalysis: hyperAnalysis(),
      hyperSynthesis: hyperSynthesis(M),
      hyperBottleneck: bottleneck(),
      hyperChannels: Z,
      hyperDownsampling: 4,
      y: y0,
    });
    codec.update();
    const y = tf.randomNormal([1, 8, 8, M], 0, 3, 'float32', 5) as tf.Tensor4D;
    const c = await codec.compress(y);
    const back = await codec.decompress(c.streams, [8, 8], undefined, c.checks);
    expect(Array.from(await back.data())).toEqual(Array.from(await c.yHat.data()));
    y0.shift = 5;
    await expect(codec.decompress(c.streams, [8, 8], undefined, c.checks)).rejects.toThrow(/entropy parameters computed while decoding part 0/);
    tf.dispose([y, c.yHat, back]);
    codec.dispose();
  });
});
