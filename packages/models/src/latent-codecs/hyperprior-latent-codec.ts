import { InvalidArgumentError } from '@ncomp/core';
import {
  ContinuousBatchedEntropyModel,
  NoisyDeepFactorized,
  type CoderName,
  type LocationScaleFamily,
  type LocationScaleIndexedEntropyModel,
} from '@ncomp/entropy';
import type { CallableModule } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import { HyperConditionalCodec } from './hyper-conditional-codec.js';
import type { BandedStreams } from './latent-codec.js';
import type { LatentCheck } from './latent-check.js';
import type { LatentRowSink, LatentRows } from './latent-rows.js';
import { MeanScaleConditional, type ChannelOffsets } from './mean-scale-conditional.js';

/** Options of {@link HyperpriorLatentCodec}. */
export interface HyperpriorLatentCodecOptions {
  /** Channels M of the latent y. */
  readonly latentChannels: number;
  /** Channels of the hyper-latent z (the output of `hyperAnalysis`). */
  readonly hyperChannels: number;
  /** h_a: y (or |y| without `mean`) [N, h, w, M] -> z [N, h/s, w/s, hyperChannels]. */
  readonly hyperAnalysis: CallableModule;
  /**
   * h_s: z -> scale indexes [N, h, w, M] (scale hyperprior) or, with `mean`, scale indexes
   * and means concatenated on channels [N, h, w, 2M] (indexes first, as CompressAI's
   * `scales_hat, means_hat = chunk(2)`).
   */
  readonly hyperSynthesis: CallableModule;
  /** Downsampling factor s of h_a (4 for two stride-2 layers). */
  readonly hyperDownsampling: number;
  /** Predict means too (Minnen et al. 2018's mean-scale hyperprior). Default false. */
  readonly mean?: boolean;
  /** Number of scales of the table, TFC's default 64. */
  readonly numScales?: number;
  /** Smallest scale, TFC's default 0.11. */
  readonly scaleMin?: number;
  /** Largest scale, TFC's default 256. */
  readonly scaleMax?: number;
  /**
   * Added to h_s's scale-index output before bounding; default 0 (TFC). A positive value
   * (e.g. 24, scale ≈ 2) starts training from plausible scales instead of the smallest one,
   * which the optimizer otherwise needs thousands of steps to climb out of.
   */
  readonly indexOffset?: number;
  /**
   * Learned per-channel offsets added to h_s's outputs (scale index and, with `mean`,
   * mean), stored as θ and applied as `offsetScale * θ`, so the optimizer moves them
   * `offsetScale` times faster than ordinary weights; {@link
   * HyperpriorLatentCodec.initializeFromData} sets them from a batch's per-channel
   * statistics. Absent (default, TFC): no offsets.
   */
  readonly offsetScale?: number;
  /**
   * What the synthesis sees in training: `noisy` (default, TFC: the rate term's
   * `y + U(-1/2, 1/2)`) or `rounded` (`round(y - mean) + mean` with a straight-through
   * gradient, the "mixed" quantization of Minnen & Singh 2020, "Channel-wise
   * autoregressive entropy models for learned image compression"; the rate still uses
   * noise). `rounded` matters when quantization steps are large compared with the
   * latent, where noise is a poor stand-in for rounding.
   */
  readonly synthesisInput?: 'noisy' | 'rounded';
  /** The conditional prior's family; default `normal` (Ballé et al., Minnen et al.). */
  readonly family?: LocationScaleFamily;
  /** Entropy coder; default `rans`. */
  readonly coder?: CoderName;
  /** Seed of the hyper-prior's initialisation. */
  readonly seed?: number;
}

/**
 * The scale hyperprior of Ballé et al. 2018 ("Variational image compression with a scale
 * hyperprior") and, with `mean`, the mean-scale hyperprior of Minnen, Ballé & Toderici
 * 2018, in TFC's formulation: z = h_a(|y|) is coded with a factorized prior; h_s(ẑ) gives
 * per-element scale indexes i in [0, numScales - 1], scale = exp(log(scaleMin) + i *
 * (log(scaleMax) - log(scaleMin)) / (numScales - 1)), and (with `mean`) means; y is coded
 * under N(mean, scale) convolved with U(-1/2, 1/2). Indexes are bounded with TFC's
 * `lower_bound` gradient (identity when pushing back into range) instead of a plain clip,
 * so units that start out of range still learn. Streams per image: `y`, then `z`.
 *
 * Composed of codecs: a {@link HyperConditionalCodec} whose y codec is a
 * {@link MeanScaleConditional} (pointwise, so a large latent can also be coded band by band).
 *
 * ```
 *   y ──(|y| without mean)── h_a ── z ── factorized prior ── ẑ ── h_s ── scale indexes (, means)
 *   │                                                                        │
 *   └──────────────── N(mean, scale) * U(-1/2, 1/2) ────────────────────── ŷ
 * ```
 *
 * @example
 * A small mean-scale hyperprior on latents of 4 channels (an image codec's analysis
 * transform would make them; {@link ImageCodec} composes the two):
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { Conv2d, ConvTranspose2d, Sequential, relu } from '@ncomp/layers';
 * import { HyperpriorLatentCodec } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const M = 4; // channels of y
 * const Z = 3; // channels of z
 * const options = { stride: 2, padding: 'same_zeros' } as const;
 * const codec = new HyperpriorLatentCodec({
 *   latentChannels: M,
 *   hyperChannels: Z,
 *   hyperAnalysis: new Sequential([new Conv2d(M, Z, 3, options), relu, new Conv2d(Z, Z, 3, options)]),
 *   hyperSynthesis: new Sequential([
 *     new ConvTranspose2d(Z, Z, 3, options),
 *     relu,
 *     new ConvTranspose2d(Z, 2 * M, 3, options), // scale indexes, then means
 *   ]),
 *   hyperDownsampling: 4, // h_a's two stride-2 layers: latent sizes must be multiples of 4
 *   mean: true,
 *   indexOffset: 24, // start from scales near 2 rather than the smallest
 *   seed: 1,
 * });
 * const y = tf.randomNormal([1, 8, 12, M], 0, 2, 'float32', 3) as tf.Tensor4D;
 *
 * const { yHat: noisy, bits } = codec.forward(y, true); // bits of y and z, differentiable
 * assert.deepEqual(bits.shape, [1]);
 *
 * codec.update(); // integer tables of z's prior (y's table of scales is fixed)
 * const compressed = await codec.compress(y);
 * const [yStream, zStream] = compressed.streams[0]!;
 * console.log(`y: ${yStream!.length} bytes, z: ${zStream!.length} bytes`);
 * const decoded = await codec.decompress(compressed.streams, [8, 12], undefined, compressed.checks);
 * assert.deepEqual(await decoded.data(), await compressed.yHat.data());
 * tf.dispose([y, noisy, bits, compressed.yHat, decoded]);
 * codec.dispose();
 * ```
 */
export class HyperpriorLatentCodec extends HyperConditionalCodec {
  /** Whether means are predicted. */
  readonly mean: boolean;
  /** Conditional entropy model of y. */
  readonly conditional: LocationScaleIndexedEntropyModel;
  /** What the synthesis sees in training (see {@link HyperpriorLatentCodecOptions.synthesisInput}). */
  readonly synthesisInput: 'noisy' | 'rounded';
  /** Per-channel learned offsets θ (see {@link HyperpriorLatentCodecOptions.offsetScale}); absent without `offsetScale`. */
  readonly channelOffsets: ChannelOffsets | undefined;

  /** @param options - See {@link HyperpriorLatentCodecOptions}. */
  constructor(options: HyperpriorLatentCodecOptions) {
    super();
    for (const [name, v] of [
      ['latentChannels', options.latentChannels],
      ['hyperChannels', options.hyperChannels],
      ['hyperDownsampling', options.hyperDownsampling],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be a positive integer, found ${String(v)}`);
    }
    const m = options.latentChannels;
    this.mean = options.mean ?? false;
    const hyperAnalysis = this.addModule('hyper_analysis', options.hyperAnalysis);
    const hyperSynthesis = this.addModule('hyper_synthesis', options.hyperSynthesis);
    const coder = options.coder ?? 'rans';
    const prior = new NoisyDeepFactorized(
      options.seed === undefined ? { batchShape: [options.hyperChannels] } : { batchShape: [options.hyperChannels], seed: options.seed },
    );
    const hyperBottleneck = this.addModule('hyper_bottleneck', new ContinuousBatchedEntropyModel(prior, { codingRank: 3, compression: true, coder }));
    const offsetScale = options.offsetScale ?? 0;
    if (!(offsetScale >= 0)) throw new InvalidArgumentError(`offsetScale must be >= 0, found ${options.offsetScale}`);
    this.channelOffsets =
      offsetScale > 0
        ? {
            index: this.addWeight('index_offset', () => tf.zeros([m])),
            ...(this.mean
              ? { loc: this.addWeight('loc_offset', () => tf.zeros([m])), locScale: this.addWeight('loc_scale', () => tf.fill([m], 1 / offsetScale)) }
              : {}),
          }
        : undefined;
    const y = new MeanScaleConditional({
      ...options,
      coder,
      ...(this.channelOffsets ? { channelOffsets: { offsets: this.channelOffsets, offsetScale } } : {}),
    });
    this.synthesisInput = y.synthesisInput;
    this.conditional = this.addModule('conditional', y.conditional.model);
    this.compose({
      hyperAnalysis,
      hyperSynthesis,
      hyperBottleneck,
      hyperChannels: options.hyperChannels,
      hyperDownsampling: options.hyperDownsampling,
      hyperInput: this.mean ? 'y' : 'abs',
      y,
      name: 'hyperprior latent codec',
    });
  }

  /** The y half: per-element scale indexes (and means) from h_s's output. */
  override get y(): MeanScaleConditional {
    return super.y as MeanScaleConditional;
  }

  /** {@inheritDoc LatentCodec.compressRows} */
  compressRows(y: LatentRows, logGain: Float64Array | undefined, bandRows: number, signal?: AbortSignal): Promise<BandedStreams> {
    return this.compressBands(y, logGain, bandRows, signal);
  }

  /** {@inheritDoc LatentCodec.decompressRows} */
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

  /**
   * Data-dependent initialisation of the per-channel offsets (when `offsetScale` is set):
   * the mean offset becomes each channel's mean over `y`, the index offset the index of its
   * standard deviation (around that mean), and h_s's mean output is scaled by that
   * deviation, so training starts with a prior of the right location and spread per
   * channel. `y` is the un-gained latent. A no-op without offsets.
   * @param y - A batch of latents [N, h, w, M].
   */
  initializeFromData(y: tf.Tensor4D): void {
    this.y.initializeFromData(y);
  }
}
