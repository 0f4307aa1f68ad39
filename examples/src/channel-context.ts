/**
 * A new context model as a small new part (docs/composing-a-codec.md, "Your own latent
 * codec"): y in two channel groups, the second coded knowing the first, as ChARM's slices
 * but with one 3×3 convolution as the whole context. It is a y codec
 * (`ConditionalCodec`): the z half, h_s, the shared scale-index step, the coding of each
 * part with its check digests and the `LatentCodec` plumbing all come from ncomp's
 * `HyperConditionalCodec` and `IndexedConditional`; the class below is only the model.
 *
 * Run: `node dist/channel-context.js [--quick]` after `npm run build`.
 */
import { addMaps, concatChannels, exactMap, setBackend, sliceChannels, type ExactMap } from '@ncomp/core';
import { ContinuousBatchedEntropyModel, NoisyDeepFactorized } from '@ncomp/entropy';
import { Conv2d, ConvTranspose2d, Sequential, leakyRelu } from '@ncomp/layers';
import {
  HyperConditionalCodec,
  ImageCodec,
  IndexedConditional,
  bmshj2018Analysis,
  bmshj2018Synthesis,
  decodePart,
  encodePart,
  type CodedPart,
  type ConditionalCodec,
  type ConditionalForward,
  type ExactConditional,
} from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';

/**
 * Two channel groups of G = M / 2: h_s gives [index₀, index₁, mean₀, mean₁] (G channels
 * each); group 1's index and mean are corrected by a 3×3 convolution of ŷ₀.
 */
export class TwoGroupContext implements ConditionalCodec {
  readonly paramChannels: number;
  readonly parts = 2; // two coded parts per image, each with its check digests
  readonly variableRate = false;
  readonly conditional = new IndexedConditional({ coder: 'rans' });
  readonly context: Conv2d; // ŷ₀ -> (index, mean) corrections of group 1
  readonly modules: { readonly context: Conv2d }; // registered by the owning codec

  constructor(readonly latentChannels: number) {
    const G = latentChannels / 2;
    this.paramChannels = 2 * latentChannels;
    this.context = new Conv2d(G, 2 * G, 3, { padding: 'same_zeros' });
    this.modules = { context: this.context };
  }

  /** Training: group 0 from h_s, group 1 from h_s and the rounded group 0 (straight-through). */
  forward(y: tf.Tensor4D, params: tf.Tensor4D, training: boolean): ConditionalForward {
    const [y0, y1] = tf.split(y, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const [i0, i1, m0, m1] = tf.split(params, 4, 3) as tf.Tensor4D[];
    const p0 = this.conditional.indexes(i0!);
    const g0 = this.conditional.forward(y0, p0, m0, training);
    const [di, dm] = tf.split(this.context.call(this.conditional.quantize(y0, p0, m0)), 2, 3);
    const g1 = this.conditional.forward(y1, this.conditional.indexes(i1!, di!), tf.add(m1!, dm!), training);
    return { yHat: tf.concat([g0.yHat, g1.yHat], 3) as tf.Tensor4D, bits: [g0.bits, g1.bits] };
  }

  /** Coding: the same, in float64 with the convolution's deterministic twin. */
  async exact(): Promise<ExactConditional> {
    const context = await this.context.exact();
    const G = this.latentChannels / 2;
    const groups = (params: ExactMap, code: (group: number, part: CodedPart) => Float64Array): Float64Array => {
      const [h, w] = [params.height, params.width];
      const y0 = exactMap(h, w, G, code(0, { indexes: this.conditional.tableIndexes(params, 0, G), loc: sliceChannels(params, 2 * G, G).data }));
      const ctx = context(y0);
      const raw1 = addMaps(sliceChannels(params, G, G), sliceChannels(ctx, 0, G));
      const loc1 = addMaps(sliceChannels(params, 3 * G, G), sliceChannels(ctx, G, G));
      const y1 = exactMap(h, w, G, code(1, { indexes: this.conditional.tableIndexes(raw1, 0, G), loc: loc1.data }));
      return concatChannels([y0, y1]).data;
    };
    const M = this.latentChannels;
    const channelsOf = (values: ArrayLike<number>, group: number): Float64Array =>
      Float64Array.from({ length: values.length / 2 }, (_, k) => values[Math.floor(k / G) * M + group * G + (k % G)]!);
    return {
      encode: (values, params, encoder, check) => groups(params, (g, part) => encodePart(encoder, channelsOf(values, g), part, check)),
      decode: (params, decoder, verifier) => groups(params, (g, part) => decodePart(decoder, part, verifier, g)),
    };
  }
}

const quick = process.argv.includes('--quick');
await setBackend('wasm');
const [N, M] = [16, 24];
const conv = (i: number, o: number, k: number, s: number): Conv2d => new Conv2d(i, o, k, { stride: s, padding: 'same_zeros' });
const deconv = (i: number, o: number, k: number, s: number): ConvTranspose2d => new ConvTranspose2d(i, o, k, { stride: s, padding: 'same_zeros' });
const latentCodec = new HyperConditionalCodec({
  hyperAnalysis: new Sequential([conv(M, N, 3, 1), leakyRelu(), conv(N, N, 5, 2), leakyRelu(), conv(N, N, 5, 2)]),
  hyperSynthesis: new Sequential([deconv(N, M, 5, 2), leakyRelu(), deconv(M, M, 5, 2), leakyRelu(), conv(M, 2 * M, 3, 1)]),
  hyperBottleneck: new ContinuousBatchedEntropyModel(new NoisyDeepFactorized({ batchShape: [N] }), { codingRank: 3, compression: true }),
  hyperChannels: N,
  hyperDownsampling: 4,
  y: new TwoGroupContext(M),
});
assert.ok(latentCodec.children().has('context')); // its weights train and save with the codec
const codec = new ImageCodec({ analysis: bmshj2018Analysis(N, M), synthesis: bmshj2018Synthesis(N, M), latentCodec, downsampling: 16 });
codec.update();
const [h, w] = quick ? [70, 100] : [300, 420];
const before = tf.memory().numTensors;
const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
const crop = tf.slice(x, [0, 0, 0, 0], [1, 64, 64, 3]);
const { xHat, bits, bpp } = codec.forward(crop, { training: true });
const compressed = await codec.compress(x); // streams y (both groups, in order), z, check
const decoded = await codec.decompress(compressed);
assert.deepEqual(decoded.shape, [1, h, w, 3]);
console.log(
  `TwoGroupContext (untrained): ${w}x${h} -> streams ${compressed.streams.map((s) => s.length).join(' + ')} bytes; decoded ${decoded.shape.join('x')}`,
);
tf.dispose([x, crop, xHat, bits, bpp, decoded]);
assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
codec.dispose();
