/**
 * Your own latent codec, composed from ncomp's parts (docs/composing-a-codec.md, "Your own
 * latent codec"): a mean-scale hyperprior whose conditional model is a Laplace instead of
 * a Gaussian. The z half is `HyperLatent` (h_a + a factorized prior, ẑ rebuilt exactly);
 * the entropy parameters come from h_s's deterministic twin (`exact()`), so its bitstreams
 * decode identically on every backend; `encodePart` / `decodePart` code the symbols and
 * record / verify the digests of the file's check stream. What is new is only the
 * Laplace family and the 20 lines of `parameterPath`.
 *
 * Run: `node dist/custom-latent-codec.js [--quick]` after `npm run build`.
 */
import { Module, ShapeError, setBackend, type ExactMap } from '@ncomp/core';
import { ContinuousBatchedEntropyModel, LocationScaleIndexedEntropyModel, NoisyDeepFactorized, lowerBound } from '@ncomp/entropy';
import { Conv2d, ConvTranspose2d, Sequential, leakyRelu } from '@ncomp/layers';
import {
  CheckRecorder,
  CheckVerifier,
  HyperLatent,
  ImageCodec,
  bmshj2018Analysis,
  bmshj2018Synthesis,
  decodePart,
  encodePart,
  imageValues,
  latentTensor,
  tableIndex,
  type CodedPart,
  type LatentCheck,
  type LatentCodec,
  type LatentCompressed,
  type LatentForward,
} from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';

/** Mean-scale hyperprior (Minnen et al. 2018) with a Laplace conditional instead of a Gaussian. */
export class LaplaceHyperprior extends Module implements LatentCodec {
  readonly latentMultiple = 4; // h_a has two stride-2 layers
  readonly streamNames = ['y', 'z'];
  readonly hyperAnalysis: Sequential;
  readonly hyperSynthesis: Sequential;
  readonly hyperBottleneck: ContinuousBatchedEntropyModel;
  readonly conditional: LocationScaleIndexedEntropyModel;
  /** The z half, shared with ncomp's own hyperprior and ChARM codecs. */
  readonly hyper: HyperLatent;
  private readonly numScales = 64;

  constructor(
    readonly latentChannels: number,
    hyperChannels: number,
  ) {
    super();
    const [M, N] = [latentChannels, hyperChannels];
    const conv = (i: number, o: number, k: number, s: number): Conv2d => new Conv2d(i, o, k, { stride: s, padding: 'same_zeros' });
    const deconv = (i: number, o: number, k: number, s: number): ConvTranspose2d => new ConvTranspose2d(i, o, k, { stride: s, padding: 'same_zeros' });
    // Names given to addModule become state-dict prefixes.
    this.hyperAnalysis = this.addModule('hyper_analysis', new Sequential([conv(M, N, 3, 1), leakyRelu(), conv(N, N, 5, 2), leakyRelu(), conv(N, N, 5, 2)]));
    this.hyperSynthesis = this.addModule(
      'hyper_synthesis',
      new Sequential([deconv(N, M, 5, 2), leakyRelu(), deconv(M, M, 5, 2), leakyRelu(), conv(M, 2 * M, 3, 1)]),
    );
    this.hyperBottleneck = this.addModule(
      'hyper_bottleneck',
      new ContinuousBatchedEntropyModel(new NoisyDeepFactorized({ batchShape: [N] }), { codingRank: 3, compression: true }),
    );
    const lo = Math.log(0.11); // TFC's scale table: 64 scales, 0.11 .. 256
    const step = (Math.log(256) - lo) / (this.numScales - 1);
    this.conditional = this.addModule(
      'conditional',
      new LocationScaleIndexedEntropyModel({
        family: 'laplace', // 'normal' | 'logistic' | 'laplace' | (loc, scale) => Distribution
        numScales: this.numScales,
        scaleFn: (i) => tf.exp(tf.add(lo, tf.mul(step, i))),
        codingRank: 3,
        compression: true,
      }),
    );
    this.hyper = new HyperLatent(this.hyperAnalysis, this.hyperBottleneck, N, this.latentMultiple);
  }

  /** Training: scale indexes bounded with TFC's lower_bound gradient, and means, on the backend. */
  forward(y: tf.Tensor4D, training: boolean): LatentForward {
    return tf.tidy(() => {
      const { values: zHat, bits: zBits } = this.hyperBottleneck.call(this.hyperAnalysis.call(y), training);
      const [raw, loc] = tf.split(this.hyperSynthesis.call(zHat), 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      const indexes = tf.neg(lowerBound(tf.neg(lowerBound(raw, 0)), -(this.numScales - 1)));
      const { values, bits } = this.conditional.callWithLoc(y, indexes, loc, training);
      return { yHat: values as tf.Tensor4D, bits: tf.add(bits, zBits) as tf.Tensor1D };
    });
  }

  /** Coding: the same parameters from h_s's deterministic twin, identical on every backend. */
  private async parameterPath(): Promise<(zHat: ExactMap) => CodedPart> {
    const hs = await this.hyperSynthesis.exact();
    const M = this.latentChannels;
    return (zHat) => {
      const out = hs(zHat);
      const pixels = out.height * out.width;
      const indexes = new Int32Array(pixels * M);
      const loc = new Float64Array(pixels * M);
      for (let p = 0; p < pixels; p++) {
        for (let c = 0; c < M; c++) {
          indexes[p * M + c] = tableIndex(out.data[p * 2 * M + c]!, this.numScales);
          loc[p * M + c] = out.data[p * 2 * M + M + c]!;
        }
      }
      return { indexes, loc };
    };
  }

  async compress(y: tf.Tensor4D): Promise<LatentCompressed> {
    const [n, h, w] = y.shape;
    const checks = Array.from({ length: n }, () => new CheckRecorder());
    const parameters = await this.parameterPath();
    const { strings, zHat } = await this.hyper.compress(y, checks);
    const values = await imageValues(y);
    const streams: Uint8Array[][] = [];
    const decoded = values.map((v, i) => {
      const encoder = this.conditional.createEncoder();
      const yHat = encodePart(encoder, v, parameters(zHat[i]!), checks[i]!);
      streams.push([encoder.finish(), strings[i]!]);
      return yHat;
    });
    return { streams, yHat: latentTensor(decoded, [n, h, w, this.latentChannels]), checks: checks.map((c) => c.result()) };
  }

  async decompress(
    streams: readonly (readonly Uint8Array[])[],
    size: readonly [number, number],
    _logGain?: Float64Array,
    checks?: readonly (LatentCheck | undefined)[],
  ): Promise<tf.Tensor4D> {
    if (streams.some((s) => s.length !== 2)) throw new ShapeError('expected two streams (y, z) per image');
    const verifiers = streams.map((_, i) => new CheckVerifier(checks?.[i]));
    const parameters = await this.parameterPath();
    const zHat = await this.hyper.decompress(
      streams.map((s) => s[1]!),
      size,
      verifiers,
    );
    const decoded = streams.map((s, i) => {
      const decoder = this.conditional.createDecoder(s[0]!);
      const yHat = decodePart(decoder, parameters(zHat[i]!), verifiers[i]!, 0);
      decoder.finish(); // every byte read: a damaged stream is refused
      verifiers[i]!.finish(1);
      return yHat;
    });
    return latentTensor(decoded, [streams.length, size[0], size[1], this.latentChannels]);
  }

  update(): void {
    this.hyperBottleneck.updateTables(); // the conditional tables depend on scaleFn only
  }

  async updateAsync(): Promise<void> {
    await this.hyperBottleneck.updateTablesAsync(); // the same, on every backend
  }
}

const quick = process.argv.includes('--quick');
await setBackend('wasm');
const codec = new ImageCodec({
  analysis: bmshj2018Analysis(16, 24), // (N, M)
  synthesis: bmshj2018Synthesis(16, 24),
  latentCodec: new LaplaceHyperprior(24, 16),
  downsampling: 16,
});
codec.update();
const [h, w] = quick ? [70, 100] : [300, 420];
const before = tf.memory().numTensors;
const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
const compressed = await codec.compress(x); // streams y, z, check
const decoded = await codec.decompress(compressed);
assert.deepEqual(decoded.shape, [1, h, w, 3]);
assert.deepEqual(codec.streamNames, ['y', 'z', 'check']);
console.log(
  `LaplaceHyperprior (untrained): ${w}x${h} -> streams ${compressed.streams.map((s) => s.length).join(' + ')} bytes; decoded ${decoded.shape.join('x')}`,
);
tf.dispose([x, decoded]);
assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
codec.dispose();
