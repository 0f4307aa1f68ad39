import { InvalidArgumentError, ShapeError, exactExp, readExact, type ExactMap } from '@ncomp/core';
import type { CoderName, LocationScaleFamily } from '@ncomp/entropy';
import * as tf from '@tensorflow/tfjs-core';
import { pointwiseConditional, type ConditionalCodec, type ConditionalForward, type ExactConditional } from './conditional-codec.js';
import { checkLatent } from './factorized-latent-codec.js';
import { IndexedConditional } from './indexed-conditional.js';

/** The learned per-channel offsets of a {@link HyperpriorLatentCodec} (values are θ; applied as `offsetScale * θ`). */
export interface ChannelOffsets {
  /** Added to the scale index [M]. */
  readonly index: tf.Variable;
  /** Added to the mean [M] (mean-scale only). */
  readonly loc?: tf.Variable;
  /** Multiplies h_s's mean output [M] (mean-scale only). */
  readonly locScale?: tf.Variable;
}

/** Options of {@link MeanScaleConditional}. */
export interface MeanScaleConditionalOptions {
  /** Channels M of y. */
  readonly latentChannels: number;
  /** Take means from h_s too (its output is then scale indexes and means, [.., 2M]). Default false. */
  readonly mean?: boolean;
  /** Number of scales of the table, TFC's default 64. */
  readonly numScales?: number;
  /** Smallest scale, TFC's default 0.11. */
  readonly scaleMin?: number;
  /** Largest scale, TFC's default 256. */
  readonly scaleMax?: number;
  /** Added to h_s's scale-index output before bounding; default 0 (TFC). */
  readonly indexOffset?: number;
  /** The learned per-channel offsets and their rate `offsetScale` (see {@link HyperpriorLatentCodecOptions.offsetScale}). */
  readonly channelOffsets?: {
    /** The offsets θ (weights of the owning codec). */
    readonly offsets: ChannelOffsets;
    /** Their rate: applied as `offsetScale * θ`. */
    readonly offsetScale: number;
  };
  /** What the synthesis sees in training (see {@link HyperpriorLatentCodecOptions.synthesisInput}). Default `noisy`. */
  readonly synthesisInput?: 'noisy' | 'rounded';
  /** The conditional prior's family; default `normal`. */
  readonly family?: LocationScaleFamily;
  /** Entropy coder. */
  readonly coder: CoderName;
}

/**
 * The y half of the (mean-)scale hyperprior (CompressAI's `GaussianConditionalLatentCodec`):
 * pointwise, each element of y coded under N(mean, scale) * U(-1/2, 1/2) with its scale
 * index (and mean) read from h_s's output at its position, plus the per-channel learned
 * offsets and a variable-rate gain g (the mean times g, the index up by log(g) / step).
 * The composition of {@link HyperpriorLatentCodec}, and usable in a
 * {@link HyperConditionalCodec} of one's own.
 */
export class MeanScaleConditional implements ConditionalCodec {
  /** {@inheritDoc ConditionalCodec.latentChannels} */
  readonly latentChannels: number;
  /** {@inheritDoc ConditionalCodec.paramChannels} */
  readonly paramChannels: number;
  /** {@inheritDoc ConditionalCodec.paramsDescription} */
  readonly paramsDescription: string;
  /** {@inheritDoc ConditionalCodec.parts} */
  readonly parts = 1;
  /** {@inheritDoc ConditionalCodec.variableRate} */
  readonly variableRate = true;
  /** {@inheritDoc ConditionalCodec.conditional} */
  readonly conditional: IndexedConditional;
  /** Whether means are predicted. */
  readonly mean: boolean;
  /** What the synthesis sees in training. */
  readonly synthesisInput: 'noisy' | 'rounded';
  /** The learned per-channel offsets, if any. */
  readonly channelOffsets: ChannelOffsets | undefined;
  private readonly offsetScale: number;

  /**
   * @param options - See {@link MeanScaleConditionalOptions}.
   * @throws InvalidArgumentError for bad options.
   */
  constructor(options: MeanScaleConditionalOptions) {
    const m = options.latentChannels;
    if (!Number.isInteger(m) || m < 1) throw new InvalidArgumentError(`latentChannels must be a positive integer, found ${String(m)}`);
    this.latentChannels = m;
    this.mean = options.mean ?? false;
    this.paramChannels = this.mean ? 2 * m : m;
    this.paramsDescription = this.mean ? `${m} scale indexes and ${m} means` : `${m} scale indexes`;
    this.conditional = new IndexedConditional(options);
    this.synthesisInput = options.synthesisInput ?? 'noisy';
    if (this.synthesisInput !== 'noisy' && this.synthesisInput !== 'rounded') {
      throw new InvalidArgumentError(`synthesisInput must be "noisy" or "rounded", found "${String(options.synthesisInput)}"`);
    }
    this.channelOffsets = options.channelOffsets?.offsets;
    this.offsetScale = options.channelOffsets?.offsetScale ?? 0;
  }

  /** {@inheritDoc ConditionalCodec.forward} */
  forward(y: tf.Tensor4D, params: tf.Tensor4D, training: boolean, gain?: tf.Tensor1D): ConditionalForward {
    const o = this.channelOffsets;
    const [raw, rawLoc] = this.mean ? (tf.split(params, 2, 3) as [tf.Tensor4D, tf.Tensor4D]) : [params, undefined];
    const shifts: tf.Tensor[] = [];
    if (o) shifts.push(tf.mul(o.index, this.offsetScale));
    if (gain) shifts.push(tf.div(tf.log(gain), this.conditional.logScaleStep));
    const indexes = this.conditional.indexes(raw, ...shifts);
    let loc: tf.Tensor | undefined = rawLoc;
    if (rawLoc && o?.loc && o.locScale) loc = tf.add(tf.mul(rawLoc, tf.mul(o.locScale, this.offsetScale)), tf.mul(o.loc, this.offsetScale));
    if (loc && gain) loc = tf.mul(loc, gain);
    const { yHat, bits } = this.conditional.forward(y, indexes, loc, training, this.synthesisInput === 'rounded');
    return { yHat, bits: [bits] };
  }

  /** {@inheritDoc ConditionalCodec.exact} */
  async exact(logGain?: Float64Array): Promise<ExactConditional> {
    const o = this.channelOffsets;
    const indexOffsets = o ? await readExact(o.index) : undefined;
    const locOffsets = o?.loc ? await readExact(o.loc) : undefined;
    const locScales = o?.locScale ? await readExact(o.locScale) : undefined;
    const m = this.latentChannels;
    const k = this.offsetScale;
    // Per channel constants, in forward()'s order: ((raw + indexOffset) + learned offset) +
    // log-gain / step, and (raw * a + b) * gain (an absent term is an exact no-op).
    const shifts: Float64Array[] = [];
    if (indexOffsets) shifts.push(indexOffsets.map((v) => v * k));
    if (logGain) shifts.push(logGain.map((g) => g / this.conditional.logScaleStep));
    const locA = new Float64Array(m).fill(1);
    const locB = new Float64Array(m);
    const gains = new Float64Array(m).fill(1);
    for (let c = 0; c < m; c++) {
      if (logGain) gains[c] = exactExp(logGain[c]!);
      if (locScales && locOffsets) {
        locA[c] = locScales[c]! * k;
        locB[c] = locOffsets[c]! * k;
      }
    }
    const stride = this.paramChannels;
    return pointwiseConditional((params: ExactMap) => {
      if (params.channels !== stride) throw new ShapeError(`hyperSynthesis must give ${stride} channels (${this.paramsDescription}), gave ${params.channels}`);
      const indexes = this.conditional.tableIndexes(params, 0, m, ...shifts);
      const pixels = params.height * params.width;
      const loc = new Float64Array(pixels * m);
      if (this.mean) {
        const d = params.data;
        for (let p = 0; p < pixels; p++) {
          const o = p * stride + m;
          const q = p * m;
          for (let c = 0; c < m; c++) loc[q + c] = (d[o + c]! * locA[c]! + locB[c]!) * gains[c]!;
        }
      }
      return { indexes, loc };
    });
  }

  /**
   * Data-dependent initialisation of the per-channel offsets: the mean offset becomes each
   * channel's mean over `y`, the index offset the index of its standard deviation (around
   * that mean), and h_s's mean output is scaled by that deviation. A no-op without offsets.
   * @param y - A batch of (un-gained) latents [N, h, w, M].
   */
  initializeFromData(y: tf.Tensor4D): void {
    const offsets = this.channelOffsets;
    if (!offsets) return;
    checkLatent(y, this.latentChannels);
    const { numScales, logScaleMin, logScaleStep, indexOffset } = this.conditional;
    tf.tidy(() => {
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      const centre = this.mean ? mean : tf.zerosLike(mean);
      const spread = tf.sqrt(tf.add(this.mean ? variance : tf.mean(tf.square(y), [0, 1, 2]), 1e-6));
      const index = tf.clipByValue(tf.div(tf.sub(tf.log(tf.maximum(spread, Math.exp(logScaleMin))), logScaleMin), logScaleStep), 0, numScales - 1);
      offsets.index.assign(tf.div(tf.sub(index, indexOffset), this.offsetScale));
      if (offsets.loc) offsets.loc.assign(tf.div(centre, this.offsetScale));
      // h_s's mean output starts at unit spread: scale it to the channel's spread.
      if (offsets.locScale) offsets.locScale.assign(tf.div(spread, this.offsetScale));
    });
  }
}
