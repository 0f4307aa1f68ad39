import type { ExactMap, Module } from '@ncomp/core';
import type { IncrementalDecoder, IncrementalEncoder } from '@ncomp/entropy';
import type * as tf from '@tensorflow/tfjs-core';
import { decodePart, encodePart, type CodedPart } from './indexed-coding.js';
import type { IndexedConditional } from './indexed-conditional.js';
import type { CheckRecorder, CheckVerifier } from './latent-check.js';
import type { LatentRowSink } from './latent-rows.js';

/**
 * Rows `[r0, r1)` of h_s's output (every column and channel), as on the whole map;
 * asynchronous, so that long coding gives the event loop turns (and can be aborted) between windows.
 */
export type ParamRows = (r0: number, r1: number) => Promise<ExactMap>;

/**
 * The banded coding of a y codec whose parts are convolutional in their inputs (ChARM's
 * slices): each part coded band by band, in the order and with the digests of
 * {@link ExactConditional.encode}, its parameters computed on windows of rows grown by the
 * transforms' reach, so that the entropy-parameter networks never run on the whole latent.
 * The stream and the check equal the whole latent's.
 */
export interface BandedConditional {
  /**
   * Codes one image's y (`values`: HWC float32, the whole latent of `size`, un-gained),
   * appending to `encoder` and recording each part's digests.
   */
  encode(
    values: Float32Array,
    size: readonly [number, number],
    params: ParamRows,
    bandRows: number,
    encoder: IncrementalEncoder,
    check: CheckRecorder,
  ): Promise<void>;
  /**
   * The inverse of `encode`: ŷ handed to `sink` a band of rows at a time, in order, each
   * part verified when it ends (its table indexes, then its symbols).
   */
  decode(
    size: readonly [number, number],
    params: ParamRows,
    bandRows: number,
    decoder: IncrementalDecoder,
    verifier: CheckVerifier,
    sink: LatentRowSink,
  ): Promise<void>;
}

/** What {@link ConditionalCodec.forward} gives. */
export interface ConditionalForward {
  /** y as the synthesis sees it. */
  readonly yHat: tf.Tensor4D;
  /** Bits per image ([N]) of each coded part of y, in coding order. */
  readonly bits: tf.Tensor[];
}

/**
 * One image's y coded deterministically (float64, the same on every backend): what
 * {@link ConditionalCodec.exact} gives, once per `compress` or `decompress` call.
 */
export interface ExactConditional {
  /**
   * Codes one image's y (`values`, HWC, gained) given h_s's output `params`, appending to
   * `encoder` and recording each part's digests; returns ŷ as the decoder rebuilds it.
   */
  encode(values: ArrayLike<number>, params: ExactMap, encoder: IncrementalEncoder, check: CheckRecorder): Float64Array;
  /** The inverse of `encode`: ŷ (HWC) from `decoder`, verified part by part. */
  decode(params: ExactMap, decoder: IncrementalDecoder, verifier: CheckVerifier): Float64Array;
  /**
   * Present for pointwise codecs (one part, each element's table and mean from h_s's output
   * at its own position): the tables and means of any window of rows of `params`, which
   * is what lets {@link HyperConditionalCodec} code a large latent band by band.
   */
  part?(params: ExactMap): CodedPart;
  /**
   * Present for codecs of several parts whose parameters are convolutional in h_s's output
   * and the parts before (ChARM): their band-by-band coding, the same stream.
   */
  readonly bands?: BandedConditional;
}

/**
 * The y half of a hyperprior (CompressAI's `GaussianConditionalLatentCodec`,
 * `ChannelGroupsLatentCodec`): y coded under location-scale tables whose entropy parameters
 * come from h_s's output (`params`) and, for a context model, from the parts of y decoded
 * before. {@link HyperConditionalCodec} composes one with the z half ({@link HyperLatent}
 * and h_s). Implementations: {@link MeanScaleConditional} (the (mean-)scale hyperprior's
 * y), {@link CharmConditional} (ChARM's slices); a new context model is one more.
 */
export interface ConditionalCodec {
  /** Channels M of y. */
  readonly latentChannels: number;
  /** Channels h_s must give. */
  readonly paramChannels: number;
  /** What those channels are, for messages (e.g. `4 mean and 4 scale features`). */
  readonly paramsDescription?: string;
  /** Parts each image's y is coded in (the check stream's parts). */
  readonly parts: number;
  /** Whether a per-channel gain (variable rate) is accepted. */
  readonly variableRate: boolean;
  /** The shared entropy-parameter step and y's entropy model. */
  readonly conditional: IndexedConditional;
  /**
   * The y codec's own modules by state-dict name (e.g. a context model's transforms),
   * registered by {@link HyperConditionalCodec}'s constructor between h_s and the bottleneck.
   */
  readonly modules?: Readonly<Record<string, Module>>;
  /**
   * Training / evaluation pass.
   * @param y - The (gained) latent [N, h, w, M].
   * @param params - h_s's output [N, h, w, paramChannels].
   * @param gain - The per-channel gain `y` was multiplied by (variable-rate codecs).
   */
  forward(y: tf.Tensor4D, params: tf.Tensor4D, training: boolean, gain?: tf.Tensor1D): ConditionalForward;
  /**
   * The deterministic coder, from the modules' `exact()` twins.
   * @param logGain - The log of the per-channel gain (variable-rate codecs).
   */
  exact(logGain?: Float64Array): Promise<ExactConditional>;
  /** Optional data-dependent initialisation from a batch of (un-gained) latents. */
  initializeFromData?(y: tf.Tensor4D): void;
}

/**
 * The {@link ExactConditional} of a pointwise codec: one part whose tables and means
 * `part` computes from h_s's output, coded with {@link encodePart} / {@link decodePart}.
 */
export function pointwiseConditional(part: (params: ExactMap) => CodedPart): ExactConditional {
  return {
    part,
    encode: (values, params, encoder, check) => encodePart(encoder, values, part(params), check),
    decode: (params, decoder, verifier) => decodePart(decoder, part(params), verifier, 0),
  };
}
