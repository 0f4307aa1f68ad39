import { InvalidArgumentError, Module, ShapeError, concatChannels, exactOf, sliceChannels, type ExactMap } from '@ncomp/core';
import {
  ContinuousBatchedEntropyModel,
  type LocationScaleIndexedEntropyModel,
  NoisyDeepFactorized,
  type CoderName,
  type LocationScaleFamily,
} from '@ncomp/entropy';
import type { CallableModule, CharmTransforms } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import { checkLatent } from './factorized-latent-codec.js';
import { HyperLatent } from './hyper-latent.js';
import { decodePart, encodePart, likeMap, tableIndex, type CodedPart } from './indexed-coding.js';
import { CheckRecorder, type LatentCheck } from './latent-check.js';
import { imageValues, latentTensor } from './latent-values.js';
import type { LatentCodec, LatentCompressed, LatentForward } from './latent-codec.js';
import { boundScaleIndexes, scaleTable } from './scale-table.js';

/** Options of {@link CharmLatentCodec}. */
export interface CharmLatentCodecOptions {
  /** Channels of the hyper-latent z (the output of `hyperAnalysis`). */
  readonly hyperChannels: number;
  /** h_a: y [N, h, w, M] -> z [N, h/s, w/s, hyperChannels]. */
  readonly hyperAnalysis: CallableModule;
  /**
   * h_s: ẑ -> hyper features [N, h, w, Fm + Fs], the mean features (Fm channels) first,
   * then the scale features (Fs). Without `sliceHyperFeatures`, Fm and Fs are the
   * transforms' `hyperMeanChannels` / `hyperScaleChannels`; with it, `numSlices` times those.
   */
  readonly hyperSynthesis: CallableModule;
  /** Downsampling factor s of h_a (4 for two stride-2 layers). */
  readonly hyperDownsampling: number;
  /**
   * The per-slice mean, scale and (optional) latent-residual-prediction transforms; their
   * `latentChannels` is the latent's M. Without LRP transforms the slices are used as
   * decoded (EGIC's ChARM).
   */
  readonly transforms: CharmTransforms;
  /**
   * Give slice i only its own block of the hyper features (channels i·Fm .. (i+1)·Fm - 1
   * of the means, likewise of the scales), as the MRIC reimplementation (Nikolai10/MRIC
   * `amtm2023.py`) does, instead of all of them (TFC `ms2020.py`). Default false.
   */
  readonly sliceHyperFeatures?: boolean;
  /**
   * What h_s sees in training: `rounded` (default, TFC ms2020 and MRIC: ẑ = round(z) with a
   * straight-through gradient) or `noisy` (z + U(-1/2, 1/2), as TFC's hyperprior models).
   * The rate of z always uses noise.
   */
  readonly hyperSynthesisInput?: 'rounded' | 'noisy';
  /** Number of scales of the table, TFC's default 64. */
  readonly numScales?: number;
  /** Smallest scale, TFC's default 0.11. */
  readonly scaleMin?: number;
  /** Largest scale, TFC's default 256. */
  readonly scaleMax?: number;
  /** Added to the scale transforms' index outputs before bounding; default 0 (TFC). */
  readonly indexOffset?: number;
  /** The conditional prior's family; default `normal` (ms2020, MRIC). */
  readonly family?: LocationScaleFamily;
  /** Entropy coder; default `rans`. */
  readonly coder?: CoderName;
  /** Seed of the hyper-prior's initialisation. */
  readonly seed?: number;
}

/** Hyper features of one image batch, split into means and scales. */
type HyperFeatures = {
  readonly means: tf.Tensor4D;
  readonly scales: tf.Tensor4D;
};

/**
 * The channel-wise autoregressive entropy model (ChARM) of Minnen & Singh 2020
 * ("Channel-wise autoregressive entropy models for learned image compression"; TFC
 * `models/ms2020.py`), the entropy model of MRIC (Agustsson et al. 2023):
 *
 * - z = h_a(y) is coded with a factorized prior (no offset heuristic, as ms2020);
 *   h_s(ẑ) gives mean and scale hyper features;
 * - y is split along channels into the transforms' `numSlices` slices; slice i's mean μ_i
 *   and scale index σ_i come from {@link CharmTransforms} applied to the hyper features and
 *   the slices decoded before it; the slice is coded under N(μ_i, scale(σ_i)) convolved with
 *   U(-1/2, 1/2) (64 scales log-spaced 0.11..256, indexes bounded with TFC's `lower_bound`
 *   gradient);
 * - latent residual prediction (LRP): ŷ_i = round(y_i - μ_i) + μ_i + 0.5 tanh(lrp_i(
 *   [mean support, round(y_i - μ_i) + μ_i])), and ŷ_i (after LRP) is what later slices are
 *   conditioned on and what the synthesis sees.
 *
 * Training follows ms2020: the rate of every slice is the noisy (y + U(-1/2, 1/2)) bound,
 * while the synthesis and the later slices' conditioning see the rounded slice with a
 * straight-through gradient.
 *
 * Coding: `compress` codes the slices one after another into one incremental stream per
 * image ({@link LocationScaleIndexedEntropyModel.compressIncrementalWithLoc}); `decompress`
 * reads them back slice by slice, each slice's parameters computed from the slices decoded
 * so far, and checks that the stream ends exactly after the last slice. Streams per image:
 * `y`, then `z`. Fixed-rate: a `gain` is refused.
 *
 * @example
 * A tiny ChARM on latents of 4 channels in 2 slices (MRIC's is 320 channels in 10):
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { CharmTransforms, Conv2d, ConvTranspose2d, Sequential, relu } from '@ncomp/layers';
 * import { CharmLatentCodec } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const M = 4; // channels of y
 * const Z = 2; // channels of z
 * const F = 2; // mean features and scale features of h_s
 * const options = { stride: 2, padding: 'same_zeros' } as const;
 * const codec = new CharmLatentCodec({
 *   hyperChannels: Z,
 *   hyperAnalysis: new Sequential([new Conv2d(M, Z, 3, options), relu, new Conv2d(Z, Z, 3, options)]),
 *   hyperSynthesis: new Sequential([
 *     new ConvTranspose2d(Z, Z, 3, options),
 *     relu,
 *     new ConvTranspose2d(Z, 2 * F, 3, options), // mean features, then scale features
 *   ]),
 *   hyperDownsampling: 4,
 *   transforms: new CharmTransforms({
 *     latentChannels: M,
 *     numSlices: 2,
 *     maxSupportSlices: -1, // slice i sees every slice before it
 *     hyperMeanChannels: F,
 *     hyperScaleChannels: F,
 *     hiddenChannels: [4],
 *     kernelSizes: [3, 3],
 *   }),
 *   seed: 1,
 * });
 * const y = tf.randomNormal([1, 4, 8, M], 0, 2, 'float32', 5) as tf.Tensor4D;
 * const { yHat: trainingYHat, bits } = codec.forward(y, true);
 * assert.deepEqual(bits.shape, [1]);
 *
 * codec.update();
 * const compressed = await codec.compress(y); // per image: [y (both slices, in order), z]
 * assert.deepEqual(codec.streamNames, ['y', 'z']);
 * const decoded = await codec.decompress(compressed.streams, [4, 8], undefined, compressed.checks);
 * assert.deepEqual(await decoded.data(), await compressed.yHat.data()); // ŷ after LRP, as the synthesis sees it
 * tf.dispose([y, trainingYHat, bits, compressed.yHat, decoded]);
 * codec.dispose();
 * ```
 */
export class CharmLatentCodec extends Module implements LatentCodec {
  /** {@inheritDoc LatentCodec.latentChannels} */
  readonly latentChannels: number;
  /** {@inheritDoc LatentCodec.latentMultiple} */
  readonly latentMultiple: number;
  /** {@inheritDoc LatentCodec.streamNames} */
  readonly streamNames: readonly string[] = ['y', 'z'];
  /** Channels of z. */
  readonly hyperChannels: number;
  /** Number of slices. */
  readonly numSlices: number;
  /** h_a. */
  readonly hyperAnalysis: CallableModule;
  /** h_s. */
  readonly hyperSynthesis: CallableModule;
  /** The per-slice transforms. */
  readonly transforms: CharmTransforms;
  /** Factorized entropy model of z. */
  readonly hyperBottleneck: ContinuousBatchedEntropyModel;
  /** Conditional entropy model of the slices of y. */
  readonly conditional: LocationScaleIndexedEntropyModel;
  /**
   * The z half (h_a and the factorized prior), shared with {@link HyperpriorLatentCodec}.
   * @internal
   */
  readonly hyper: HyperLatent;
  /** Whether slice i sees only its block of the hyper features (see {@link CharmLatentCodecOptions.sliceHyperFeatures}). */
  readonly sliceHyperFeatures: boolean;
  /** What h_s sees in training (see {@link CharmLatentCodecOptions.hyperSynthesisInput}). */
  readonly hyperSynthesisInput: 'rounded' | 'noisy';
  private readonly numScales: number;
  private readonly indexOffset: number;
  private readonly lrp: boolean;

  /**
   * @param options - See {@link CharmLatentCodecOptions}.
   * @throws InvalidArgumentError for bad sizes or options.
   */
  constructor(options: CharmLatentCodecOptions) {
    super();
    for (const [name, v] of [
      ['hyperChannels', options.hyperChannels],
      ['hyperDownsampling', options.hyperDownsampling],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be a positive integer, found ${String(v)}`);
    }
    const transforms = options.transforms;
    this.latentChannels = transforms.latentChannels;
    this.numSlices = transforms.numSlices;
    this.hyperChannels = options.hyperChannels;
    this.latentMultiple = options.hyperDownsampling;
    this.sliceHyperFeatures = options.sliceHyperFeatures ?? false;
    this.hyperSynthesisInput = options.hyperSynthesisInput ?? 'rounded';
    if (this.hyperSynthesisInput !== 'rounded' && this.hyperSynthesisInput !== 'noisy') {
      throw new InvalidArgumentError(`hyperSynthesisInput must be "rounded" or "noisy", found "${String(options.hyperSynthesisInput)}"`);
    }
    this.indexOffset = options.indexOffset ?? 0;
    if (!Number.isFinite(this.indexOffset)) throw new InvalidArgumentError(`indexOffset must be finite, found ${this.indexOffset}`);
    this.lrp = transforms.lrpTransforms.length > 0;
    this.hyperAnalysis = this.addModule('hyper_analysis', options.hyperAnalysis);
    this.hyperSynthesis = this.addModule('hyper_synthesis', options.hyperSynthesis);
    this.transforms = this.addModule('transforms', transforms);
    const coder = options.coder ?? 'rans';
    const prior = new NoisyDeepFactorized(
      options.seed === undefined ? { batchShape: [options.hyperChannels] } : { batchShape: [options.hyperChannels], seed: options.seed },
    );
    this.hyperBottleneck = this.addModule(
      'hyper_bottleneck',
      new ContinuousBatchedEntropyModel(prior, { codingRank: 3, compression: true, coder, nonIntegerOffsets: false }),
    );
    const table = scaleTable({ ...options, coder });
    this.numScales = table.numScales;
    this.conditional = this.addModule('conditional', table.model);
    this.hyper = new HyperLatent(this.hyperAnalysis, this.hyperBottleneck, this.hyperChannels, this.latentMultiple);
  }

  /** Channels h_s must give: mean features, then scale features. */
  private get hyperFeatureChannels(): readonly [number, number] {
    const k = this.sliceHyperFeatures ? this.numSlices : 1;
    return [this.transforms.hyperMeanChannels * k, this.transforms.hyperScaleChannels * k];
  }

  /** h_s(ẑ), checked and split into mean and scale features. */
  private hyperFeatures(zHat: tf.Tensor4D, ySize: readonly [number, number]): HyperFeatures {
    const out = this.hyperSynthesis.call(zHat) as tf.Tensor4D;
    const [fm, fs] = this.hyperFeatureChannels;
    const [n, h, w, c] = out.shape;
    if (h !== ySize[0] || w !== ySize[1] || c !== fm + fs) {
      throw new ShapeError(
        `hyperSynthesis must give [${n}, ${ySize[0]}, ${ySize[1]}, ${fm + fs}] (${fm} mean and ${fs} scale features), gave [${out.shape.join(', ')}]`,
      );
    }
    const [means, scales] = tf.split(out, [fm, fs], 3) as [tf.Tensor4D, tf.Tensor4D];
    return { means, scales };
  }

  /** The hyper features slice `i` sees: all of them, or its own block. */
  private featuresFor(i: number, features: tf.Tensor4D, width: number): tf.Tensor4D {
    if (!this.sliceHyperFeatures) return features;
    return tf.slice(features, [0, 0, 0, i * width], [-1, -1, -1, width]);
  }

  /** μ_i and the bounded scale indexes σ_i of slice `i` from the hyper features and the slices decoded before it. */
  private sliceParameters(
    i: number,
    hyper: HyperFeatures,
    decoded: readonly tf.Tensor[],
  ): { loc: tf.Tensor4D; indexes: tf.Tensor4D; meanFeatures: tf.Tensor4D } {
    const t = this.transforms;
    const meanFeatures = this.featuresFor(i, hyper.means, t.hyperMeanChannels);
    const loc = t.mean(i, meanFeatures, decoded);
    let raw: tf.Tensor = t.scale(i, this.featuresFor(i, hyper.scales, t.hyperScaleChannels), decoded);
    if (this.indexOffset !== 0) raw = tf.add(raw, this.indexOffset);
    const indexes = boundScaleIndexes(raw, this.numScales);
    return { loc, indexes, meanFeatures };
  }

  /** The slice after latent residual prediction (the slice itself without LRP transforms). */
  private corrected(i: number, meanFeatures: tf.Tensor4D, decoded: readonly tf.Tensor[], quantized: tf.Tensor4D): tf.Tensor4D {
    return this.lrp ? this.transforms.latentResidual(i, meanFeatures, decoded, quantized) : quantized;
  }

  private checkY(y: tf.Tensor4D, gain: tf.Tensor1D | undefined): void {
    if (gain) throw new InvalidArgumentError('CharmLatentCodec is fixed-rate: it takes no gain (a codec with lambdas cannot use it)');
    checkLatent(y, this.latentChannels);
    const [, h, w] = y.shape;
    if (h % this.latentMultiple !== 0 || w % this.latentMultiple !== 0) {
      throw new ShapeError(`latent height and width must be multiples of ${this.latentMultiple}, found ${h}x${w}`);
    }
  }

  private checkSize(size: readonly [number, number]): void {
    if (size[0] % this.latentMultiple !== 0 || size[1] % this.latentMultiple !== 0 || size[0] < 1 || size[1] < 1) {
      throw new ShapeError(`latent height and width must be positive multiples of ${this.latentMultiple}, found ${size[0]}x${size[1]}`);
    }
  }

  /** {@inheritDoc LatentCodec.forward} */
  forward(y: tf.Tensor4D, training: boolean, gain?: tf.Tensor1D): LatentForward {
    this.checkY(y, gain);
    return tf.tidy(() => {
      const z = this.hyperAnalysis.call(y) as tf.Tensor4D;
      const { values, bits: zBits } = this.hyperBottleneck.call(z, training);
      const zHat = training && this.hyperSynthesisInput === 'rounded' ? this.hyperBottleneck.quantize(z) : values;
      const hyper = this.hyperFeatures(zHat as tf.Tensor4D, [y.shape[1], y.shape[2]]);
      const slices = tf.split(y, this.numSlices, 3) as tf.Tensor4D[];
      const decoded: tf.Tensor4D[] = [];
      const bits: tf.Tensor[] = [zBits];
      slices.forEach((slice, i) => {
        const { loc, indexes, meanFeatures } = this.sliceParameters(i, hyper, decoded);
        bits.push(this.conditional.callWithLoc(slice, indexes, loc, training).bits);
        // round(y - μ) + μ with a straight-through gradient, for the synthesis and the later slices.
        const quantized = this.conditional.quantizeWithLoc(slice, indexes, loc) as tf.Tensor4D;
        decoded.push(this.corrected(i, meanFeatures, decoded, quantized));
      });
      return { yHat: tf.concat(decoded, 3) as tf.Tensor4D, bits: tf.addN(bits) as tf.Tensor1D };
    });
  }

  /**
   * The deterministic slice loop shared by compress and decompress, per image: h_s's twin
   * gives the hyper features from ẑ; for each slice the transforms' twins give its means
   * and tables from them and the slices decoded so far, `code` encodes or decodes the
   * slice (returning `symbol + mean`), LRP's twin corrects it. Float64 throughout, the
   * same on every backend.
   */
  private async slicePath(): Promise<(zHat: ExactMap, size: readonly [number, number], code: (i: number, part: CodedPart) => Float64Array) => ExactMap> {
    const hs = await exactOf('hyperSynthesis', this.hyperSynthesis);
    const t = await this.transforms.exact();
    const [fm, fs] = this.hyperFeatureChannels;
    const sliceWidth = this.transforms.sliceChannels;
    const lrp = t.latentResidual;
    return (zHat, size, code) => {
      const out = hs(zHat);
      if (out.height !== size[0] || out.width !== size[1] || out.channels !== fm + fs) {
        throw new ShapeError(
          `hyperSynthesis must give ${size[0]}x${size[1]}x${fm + fs} (${fm} mean and ${fs} scale features), gave ${out.height}x${out.width}x${out.channels}`,
        );
      }
      const means = sliceChannels(out, 0, fm);
      const scales = sliceChannels(out, fm, fs);
      const featuresFor = (i: number, features: ExactMap, width: number): ExactMap =>
        this.sliceHyperFeatures ? sliceChannels(features, i * width, width) : features;
      const decoded: ExactMap[] = [];
      for (let i = 0; i < this.numSlices; i++) {
        const meanFeatures = featuresFor(i, means, this.transforms.hyperMeanChannels);
        const loc = t.mean(i, meanFeatures, decoded);
        const raw = t.scale(i, featuresFor(i, scales, this.transforms.hyperScaleChannels), decoded);
        const indexes = new Int32Array(raw.data.length);
        for (let k = 0; k < indexes.length; k++) indexes[k] = tableIndex(raw.data[k]! + this.indexOffset, this.numScales);
        const quantized = likeMap(loc, sliceWidth, code(i, { indexes, loc: loc.data }));
        decoded.push(lrp ? lrp(i, meanFeatures, decoded, quantized) : quantized);
      }
      return concatChannels(decoded);
    };
  }

  /** {@inheritDoc LatentCodec.compress} */
  async compress(y: tf.Tensor4D, logGain?: Float64Array): Promise<LatentCompressed> {
    if (logGain) throw new InvalidArgumentError('CharmLatentCodec is fixed-rate: it takes no gain (a codec with lambdas cannot use it)');
    this.checkY(y, undefined);
    const [n, h, w] = y.shape;
    const checks = Array.from({ length: n }, () => new CheckRecorder());
    const path = await this.slicePath();
    const { strings: zStrings, zHat } = await this.hyper.compress(y, checks);
    const values = await imageValues(y);
    const s = this.transforms.sliceChannels;
    const m = this.latentChannels;
    const streams: Uint8Array[][] = [];
    const decoded = values.map((v, img) => {
      const encoder = this.conditional.createEncoder();
      const yHat = path(zHat[img]!, [h, w], (i, part) => {
        const slice = new Float64Array(h * w * s);
        for (let p = 0; p < h * w; p++) slice.set(v.subarray(p * m + i * s, p * m + (i + 1) * s), p * s);
        return encodePart(encoder, slice, part, checks[img]!);
      });
      streams.push([encoder.finish(), zStrings[img]!]);
      return yHat.data;
    });
    return { streams, yHat: latentTensor(decoded, [n, h, w, m]), checks: checks.map((c) => c.result()) };
  }

  /** {@inheritDoc LatentCodec.minStreamBits} */
  minStreamBits(size: readonly [number, number]): readonly number[] {
    return this.hyper.minPairBits(this.conditional, this.latentChannels, size);
  }

  /** {@inheritDoc LatentCodec.decompress} */
  async decompress(
    streams: readonly (readonly Uint8Array[])[],
    size: readonly [number, number],
    gain?: Float64Array,
    checks?: readonly (LatentCheck | undefined)[],
  ): Promise<tf.Tensor4D> {
    if (gain) throw new InvalidArgumentError('CharmLatentCodec is fixed-rate: it takes no gain');
    this.checkSize(size);
    const path = await this.slicePath();
    const { zHat, verifiers } = await this.hyper.decompressPairs(streams, size, checks, 'ChARM latent codec');
    const decoded = streams.map((s, img) => {
      const decoder = this.conditional.createDecoder(s[0]!);
      const yHat = path(zHat[img]!, size, (i, part) => decodePart(decoder, part, verifiers[img]!, i));
      // Every byte of y read exactly by the last slice: a damaged or foreign stream is refused here at the latest.
      decoder.finish();
      verifiers[img]!.finish(this.numSlices);
      return yHat.data;
    });
    return latentTensor(decoded, [streams.length, size[0], size[1], this.latentChannels]);
  }

  /** {@inheritDoc LatentCodec.update} */
  update(): void {
    this.hyperBottleneck.updateTables();
  }

  /** {@inheritDoc LatentCodec.updateAsync} */
  async updateAsync(): Promise<void> {
    await this.hyperBottleneck.updateTablesAsync();
  }
}
