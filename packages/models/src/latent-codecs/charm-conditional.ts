import { concatChannels, sliceChannels, type ExactMap, type Module } from '@ncomp/core';
import type { CoderName, LocationScaleFamily } from '@ncomp/entropy';
import type { CharmTransforms } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import { charmBands } from './charm-bands.js';
import type { ConditionalCodec, ConditionalForward, ExactConditional } from './conditional-codec.js';
import { decodePart, encodePart, likeMap, type CodedPart } from './indexed-coding.js';
import { IndexedConditional } from './indexed-conditional.js';

/** Options of {@link CharmConditional}. */
export interface CharmConditionalOptions {
  /** The per-slice mean, scale and (optional) latent-residual-prediction transforms. */
  readonly transforms: CharmTransforms;
  /** Give slice i only its own block of the hyper features (see {@link CharmLatentCodecOptions.sliceHyperFeatures}). Default false. */
  readonly sliceHyperFeatures?: boolean;
  /** Number of scales of the table, TFC's default 64. */
  readonly numScales?: number;
  /** Smallest scale, TFC's default 0.11. */
  readonly scaleMin?: number;
  /** Largest scale, TFC's default 256. */
  readonly scaleMax?: number;
  /** Added to the scale transforms' index outputs before bounding; default 0 (TFC). */
  readonly indexOffset?: number;
  /** The conditional prior's family; default `normal`. */
  readonly family?: LocationScaleFamily;
  /** Entropy coder. */
  readonly coder: CoderName;
}

/**
 * The y half of ChARM (Minnen & Singh 2020; CompressAI's `ChannelGroupsLatentCodec`): y in
 * the transforms' slices, coded one after another into one stream; slice i's mean and
 * scale index come from the hyper features (h_s's output: mean features, then scale
 * features) and the slices decoded before it, through {@link CharmTransforms}, and the
 * shared {@link IndexedConditional} step; latent residual prediction corrects each slice
 * when the transforms have it. Fixed-rate. The composition of {@link CharmLatentCodec}.
 */
export class CharmConditional implements ConditionalCodec {
  /** {@inheritDoc ConditionalCodec.latentChannels} */
  readonly latentChannels: number;
  /** {@inheritDoc ConditionalCodec.paramChannels} */
  readonly paramChannels: number;
  /** {@inheritDoc ConditionalCodec.paramsDescription} */
  readonly paramsDescription: string;
  /** {@inheritDoc ConditionalCodec.parts} */
  readonly parts: number;
  /** {@inheritDoc ConditionalCodec.variableRate} */
  readonly variableRate = false;
  /** {@inheritDoc ConditionalCodec.conditional} */
  readonly conditional: IndexedConditional;
  /** The per-slice transforms. */
  readonly transforms: CharmTransforms;
  /** {@inheritDoc ConditionalCodec.modules} */
  readonly modules: Readonly<Record<string, Module>>;
  /** Whether slice i sees only its block of the hyper features. */
  readonly sliceHyperFeatures: boolean;
  /** Mean features and scale features of h_s's output. */
  private readonly features: readonly [number, number];

  /** @param options - See {@link CharmConditionalOptions}. */
  constructor(options: CharmConditionalOptions) {
    const t = options.transforms;
    this.transforms = t;
    this.modules = { transforms: t };
    this.latentChannels = t.latentChannels;
    this.parts = t.numSlices;
    this.sliceHyperFeatures = options.sliceHyperFeatures ?? false;
    const k = this.sliceHyperFeatures ? t.numSlices : 1;
    this.features = [t.hyperMeanChannels * k, t.hyperScaleChannels * k];
    this.paramChannels = this.features[0] + this.features[1];
    this.paramsDescription = `${this.features[0]} mean and ${this.features[1]} scale features`;
    this.conditional = new IndexedConditional(options);
  }

  /** {@inheritDoc ConditionalCodec.forward} */
  forward(y: tf.Tensor4D, params: tf.Tensor4D, training: boolean): ConditionalForward {
    const t = this.transforms;
    const [means, scales] = tf.split(params, [...this.features], 3) as [tf.Tensor4D, tf.Tensor4D];
    const featuresFor = (i: number, features: tf.Tensor4D, width: number): tf.Tensor4D =>
      this.sliceHyperFeatures ? tf.slice(features, [0, 0, 0, i * width], [-1, -1, -1, width]) : features;
    const decoded: tf.Tensor4D[] = [];
    const bits = (tf.split(y, t.numSlices, 3) as tf.Tensor4D[]).map((slice, i) => {
      const meanFeatures = featuresFor(i, means, t.hyperMeanChannels);
      const loc = t.mean(i, meanFeatures, decoded);
      const indexes = this.conditional.indexes(t.scale(i, featuresFor(i, scales, t.hyperScaleChannels), decoded));
      const { bits } = this.conditional.forward(slice, indexes, loc, training);
      // round(y - μ) + μ with a straight-through gradient, for the synthesis and the later slices.
      const quantized = this.conditional.quantize(slice, indexes, loc);
      decoded.push(t.lrpTransforms.length > 0 ? t.latentResidual(i, meanFeatures, decoded, quantized) : quantized);
      return bits;
    });
    return { yHat: tf.concat(decoded, 3) as tf.Tensor4D, bits };
  }

  /** {@inheritDoc ConditionalCodec.exact} */
  async exact(): Promise<ExactConditional> {
    const t = await this.transforms.exact();
    const [fm, fs] = this.features;
    const { hyperMeanChannels, hyperScaleChannels, sliceChannels: width, numSlices } = this.transforms;
    const lrp = t.latentResidual;
    // The slice loop shared by encode and decode: `code` encodes or decodes slice i (returning symbol + mean).
    const slices = (params: ExactMap, code: (i: number, part: CodedPart) => Float64Array): Float64Array => {
      const means = sliceChannels(params, 0, fm);
      const scales = sliceChannels(params, fm, fs);
      const featuresFor = (i: number, features: ExactMap, w: number): ExactMap => (this.sliceHyperFeatures ? sliceChannels(features, i * w, w) : features);
      const decoded: ExactMap[] = [];
      for (let i = 0; i < numSlices; i++) {
        const meanFeatures = featuresFor(i, means, hyperMeanChannels);
        const loc = t.mean(i, meanFeatures, decoded);
        const raw = t.scale(i, featuresFor(i, scales, hyperScaleChannels), decoded);
        const indexes = this.conditional.tableIndexes(raw, 0, raw.channels);
        const quantized = likeMap(loc, width, code(i, { indexes, loc: loc.data }));
        decoded.push(lrp ? lrp(i, meanFeatures, decoded, quantized) : quantized);
      }
      return concatChannels(decoded).data;
    };
    const m = this.latentChannels;
    const k = this.sliceHyperFeatures;
    const bands = charmBands({
      transforms: t,
      conditional: this.conditional,
      numSlices,
      sliceChannels: width,
      meanFeatures: (i) => (k ? [i * hyperMeanChannels, hyperMeanChannels] : [0, fm]),
      scaleFeatures: (i) => (k ? [fm + i * hyperScaleChannels, hyperScaleChannels] : [fm, fs]),
      reach: (i) => this.transforms.reach(i),
      supportCount: this.transforms.supportSlices(numSlices - 1),
    });
    return {
      bands,
      encode: (values, params, encoder, check) =>
        slices(params, (i, part) => {
          const pixels = params.height * params.width;
          const slice = new Float64Array(pixels * width);
          for (let p = 0; p < pixels; p++) for (let c = 0; c < width; c++) slice[p * width + c] = values[p * m + i * width + c]!;
          return encodePart(encoder, slice, part, check);
        }),
      decode: (params, decoder, verifier) => slices(params, (i, part) => decodePart(decoder, part, verifier, i)),
    };
  }
}
