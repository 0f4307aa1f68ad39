/**
 * Your own latent codec, composed from ncomp's codecs (docs/composing-a-codec.md, "Your own
 * latent codec"): a mean-scale hyperprior whose conditional model is a Laplace instead of
 * a Gaussian. Codecs are built from codecs, as CompressAI's `latent_codecs`: a
 * `HyperConditionalCodec` is the z half (h_a + a factorized prior, ẑ rebuilt exactly) with
 * h_s, plus a y codec conditioned on h_s's output. What is new here is only the y codec,
 * `LaplaceConditional`: its training pass and its deterministic parameter path, both
 * through the shared `IndexedConditional` step (scale index -> table), so its bitstreams
 * decode identically on every backend and the file's check stream tells damage from a
 * portability mismatch. ncomp's own `MeanScaleConditional` and `CharmConditional` (ChARM's
 * slices) are y codecs of the same kind.
 *
 * Run: `node dist/custom-latent-codec.js [--quick]` after `npm run build`.
 */
import { setBackend, type ExactMap } from '@ncomp/core';
import { ContinuousBatchedEntropyModel, NoisyDeepFactorized } from '@ncomp/entropy';
import { Conv2d, ConvTranspose2d, Sequential, leakyRelu } from '@ncomp/layers';
import {
  HyperConditionalCodec,
  ImageCodec,
  IndexedConditional,
  bmshj2018Analysis,
  bmshj2018Synthesis,
  pointwiseConditional,
  type ConditionalCodec,
  type ConditionalForward,
  type ExactConditional,
} from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';

/** The y half of a mean-scale hyperprior with a Laplace conditional: h_s gives M scale indexes, then M means. */
export class LaplaceConditional implements ConditionalCodec {
  readonly paramChannels: number;
  readonly parts = 1; // one coded part per image
  readonly variableRate = false;
  readonly conditional = new IndexedConditional({ family: 'laplace', coder: 'rans' }); // TFC's 64 scales, 0.11 .. 256

  constructor(readonly latentChannels: number) {
    this.paramChannels = 2 * latentChannels;
  }

  /** Training: bounded scale indexes (TFC's lower_bound gradient) and means, on the backend. */
  forward(y: tf.Tensor4D, params: tf.Tensor4D, training: boolean): ConditionalForward {
    const [raw, loc] = tf.split(params, 2, 3);
    const { yHat, bits } = this.conditional.forward(y, this.conditional.indexes(raw!), loc, training);
    return { yHat, bits: [bits] };
  }

  /** Coding: the same parameters in float64 from h_s's deterministic twin, per element. */
  async exact(): Promise<ExactConditional> {
    const M = this.latentChannels;
    return pointwiseConditional((params: ExactMap) => {
      const loc = new Float64Array(params.height * params.width * M);
      for (let p = 0; p < loc.length / M; p++) loc.set(params.data.subarray(p * 2 * M + M, (p + 1) * 2 * M), p * M);
      return { indexes: this.conditional.tableIndexes(params, 0, M), loc };
    });
  }
}

/** A hyperprior composed of the shared z half and the Laplace y codec. */
export function laplaceHyperprior(M: number, N: number): HyperConditionalCodec {
  const conv = (i: number, o: number, k: number, s: number): Conv2d => new Conv2d(i, o, k, { stride: s, padding: 'same_zeros' });
  const deconv = (i: number, o: number, k: number, s: number): ConvTranspose2d => new ConvTranspose2d(i, o, k, { stride: s, padding: 'same_zeros' });
  return new HyperConditionalCodec({
    hyperAnalysis: new Sequential([conv(M, N, 3, 1), leakyRelu(), conv(N, N, 5, 2), leakyRelu(), conv(N, N, 5, 2)]),
    hyperSynthesis: new Sequential([deconv(N, M, 5, 2), leakyRelu(), deconv(M, M, 5, 2), leakyRelu(), conv(M, 2 * M, 3, 1)]),
    hyperBottleneck: new ContinuousBatchedEntropyModel(new NoisyDeepFactorized({ batchShape: [N] }), { codingRank: 3, compression: true }),
    hyperChannels: N,
    hyperDownsampling: 4, // h_a has two stride-2 layers
    y: new LaplaceConditional(M),
  });
}

const quick = process.argv.includes('--quick');
await setBackend('wasm');
const codec = new ImageCodec({
  analysis: bmshj2018Analysis(16, 24), // (N, M)
  synthesis: bmshj2018Synthesis(16, 24),
  latentCodec: laplaceHyperprior(24, 16),
  downsampling: 16,
});
codec.update();
const [h, w] = quick ? [70, 100] : [300, 420];
const before = tf.memory().numTensors;
const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
const crop = tf.slice(x, [0, 0, 0, 0], [1, 64, 64, 3]); // training crops are multiples of padMultiple (64)
const { xHat, bits, bpp } = codec.forward(crop, { training: true }); // noisy latent, differentiable rate
assert.deepEqual(bpp.shape, [1]);
const compressed = await codec.compress(x); // streams y, z, check
const decoded = await codec.decompress(compressed);
assert.deepEqual(decoded.shape, [1, h, w, 3]);
assert.deepEqual(codec.streamNames, ['y', 'z', 'check']);
console.log(
  `Laplace hyperprior (untrained): ${w}x${h} -> streams ${compressed.streams.map((s) => s.length).join(' + ')} bytes; decoded ${decoded.shape.join('x')}`,
);
tf.dispose([x, crop, xHat, bits, bpp, decoded]);
assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
codec.dispose();
