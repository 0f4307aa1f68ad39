import { InvalidArgumentError } from '@ncomp/core';
import {
  ContinuousBatchedEntropyModel,
  type LocationScaleIndexedEntropyModel,
  NoisyDeepFactorized,
  type CoderName,
  type LocationScaleFamily,
} from '@ncomp/entropy';
import type { CallableModule, CharmTransforms } from '@ncomp/layers';
import { CharmConditional } from './charm-conditional.js';
import { HyperConditionalCodec } from './hyper-conditional-codec.js';
import type { LatentCheck } from './latent-check.js';
import type { BandedStreams } from './latent-codec.js';
import type { LatentRowSink, LatentRows } from './latent-rows.js';

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
  /**
   * How the banded path evaluates h_a and h_s (see {@link HyperConditionalParts.hyperBands}):
   * `windows` (default) for convolutional ones, `whole` for ones that are not local (Swin).
   */
  readonly hyperBands?: 'windows' | 'whole';
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
 * Composed of codecs: a {@link HyperConditionalCodec} (the same z half as
 * {@link HyperpriorLatentCodec}) whose y codec is a {@link CharmConditional}.
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
export class CharmLatentCodec extends HyperConditionalCodec {
  /** Number of slices. */
  readonly numSlices: number;
  /** The per-slice transforms. */
  readonly transforms: CharmTransforms;
  /** Conditional entropy model of the slices of y. */
  readonly conditional: LocationScaleIndexedEntropyModel;
  /** Whether slice i sees only its block of the hyper features (see {@link CharmLatentCodecOptions.sliceHyperFeatures}). */
  readonly sliceHyperFeatures: boolean;

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
    this.numSlices = options.transforms.numSlices;
    const hyperAnalysis = this.addModule('hyper_analysis', options.hyperAnalysis);
    const hyperSynthesis = this.addModule('hyper_synthesis', options.hyperSynthesis);
    this.transforms = this.addModule('transforms', options.transforms);
    const coder = options.coder ?? 'rans';
    const prior = new NoisyDeepFactorized(
      options.seed === undefined ? { batchShape: [options.hyperChannels] } : { batchShape: [options.hyperChannels], seed: options.seed },
    );
    const hyperBottleneck = this.addModule(
      'hyper_bottleneck',
      new ContinuousBatchedEntropyModel(prior, { codingRank: 3, compression: true, coder, nonIntegerOffsets: false }),
    );
    const y = new CharmConditional({ ...options, coder });
    this.sliceHyperFeatures = y.sliceHyperFeatures;
    this.conditional = this.addModule('conditional', y.conditional.model);
    this.compose({
      hyperAnalysis,
      hyperSynthesis,
      hyperBottleneck,
      hyperChannels: options.hyperChannels,
      hyperDownsampling: options.hyperDownsampling,
      hyperSynthesisInput: options.hyperSynthesisInput ?? 'rounded',
      hyperBands: options.hyperBands ?? 'windows',
      y,
      name: 'CharmLatentCodec',
    });
  }

  /** The y half: the slices, their transforms and LRP. */
  override get y(): CharmConditional {
    return super.y as CharmConditional;
  }

  /**
   * {@link LatentCodec.compressRows}: one image whose latent is read a band of rows at a
   * time; the streams and check equal `compress`'s, whatever `bandRows`. The stream codes
   * the slices one after another, so y and the decoded slices that condition later ones are
   * kept whole; the slice transforms and h_s run on windows of rows.
   * @param bandRows - Latent rows per band, a positive multiple of {@link LatentCodec.latentMultiple}.
   * @param signal - Stops the work (the call throws its reason).
   */
  compressRows(y: LatentRows, logGain: Float64Array | undefined, bandRows: number, signal?: AbortSignal): Promise<BandedStreams> {
    return this.compressBands(y, logGain, bandRows, signal);
  }

  /**
   * {@link LatentCodec.decompressRows}: the inverse of `compressRows`, verified as the bands
   * go. The decoded slices are kept whole (slice i + 1 follows all of slice i in the
   * stream); ŷ's rows go to `sink` band by band while the last slice is decoded.
   * @param bandRows - Latent rows per band, a positive multiple of {@link LatentCodec.latentMultiple}.
   * @param signal - Stops the work (the call throws its reason).
   */
  decompressRows(
    streams: readonly Uint8Array[],
    size: readonly [number, number],
    logGain: Float64Array | undefined,
    check: LatentCheck | undefined,
    bandRows: number,
    sink: LatentRowSink,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.decompressBands(streams, size, logGain, check, bandRows, sink, signal);
  }
}
