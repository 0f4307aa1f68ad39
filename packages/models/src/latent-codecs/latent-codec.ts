import type { Module } from '@ncomp/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { LatentCheck } from './latent-check.js';
import type { LatentRowSink, LatentRows } from './latent-rows.js';

/** Result of {@link LatentCodec.forward}. */
export interface LatentForward {
  /** The latent as the synthesis sees it: noisy (training) or quantized. */
  readonly yHat: tf.Tensor4D;
  /** Bits per image ([N]): a differentiable bound when training, else the information content. */
  readonly bits: tf.Tensor1D;
}

/** Result of {@link LatentCodec.compress}. */
export interface LatentCompressed {
  /** Byte strings per image: `streams[i]` holds image i's streams, in the codec's order. */
  readonly streams: Uint8Array[][];
  /** The quantized latent, exactly as the decoder will reconstruct it. */
  readonly yHat: tf.Tensor4D;
  /** Per image, the digests its decoder verifies (see {@link LatentCheck}). */
  readonly checks: LatentCheck[];
}

/** What {@link LatentCodec.compressRows} gives for one image. */
export interface BandedStreams {
  /** The image's streams, in {@link LatentCodec.streamNames} order. */
  readonly streams: Uint8Array[];
  /** The digests its decoder verifies (see {@link LatentCheck}). */
  readonly check: LatentCheck;
}

/**
 * How a latent tensor `y` [N, h, w, C] becomes bits and back, in the spirit of
 * CompressAI's `latent_codecs`: a factorized prior, a (mean-)scale hyperprior, and
 * whatever a research script composes. An image codec is an analysis transform, a
 * synthesis transform and one latent codec.
 */
export interface LatentCodec extends Module {
  /** Channels C of the latent it codes. */
  readonly latentChannels: number;
  /**
   * Spatial factor the latent's height and width must be divisible by (a hyperprior with
   * two stride-2 layers needs 4; a factorized prior 1).
   */
  readonly latentMultiple: number;
  /** Names of the streams each image is coded into, in order (e.g. `['y', 'z']`). */
  readonly streamNames: readonly string[];
  /**
   * Training / evaluation pass.
   * @param y - Latent [N, h, w, C].
   * @param training - Uniform noise and a differentiable rate bound (true), or rounding and
   *   the information content (false).
   * @param gain - Optional per-channel gain [C] of a variable-rate codec: `y * gain` is what
   *   gets quantized (unit step), and `yHat` is returned in those gained units.
   */
  forward(y: tf.Tensor4D, training: boolean, gain?: tf.Tensor1D): LatentForward;
  /**
   * Entropy-codes `y * gain` (rounding it); see {@link LatentCompressed}. Every table
   * choice comes from the deterministic entropy-parameter path (the modules' `exact()`
   * twins), so the streams decode identically on every backend. Reads tensors
   * asynchronously: works on every backend, WebGPU included.
   * @param y - Latent [N, h, w, C].
   * @param logGain - The natural logarithm of the per-channel gain [C] of a variable-rate
   *   codec at the coded quality (`GainUnit.exactLogGain`), computed deterministically.
   */
  compress(y: tf.Tensor4D, logGain?: Float64Array): Promise<LatentCompressed>;
  /**
   * Reconstructs the quantized (gained) latent from the streams of `compress`.
   * @param streams - Per image, the streams in {@link LatentCodec.streamNames} order.
   * @param size - Latent `[h, w]`.
   * @param logGain - The log-gain given to `compress`.
   * @param checks - Per image, the encoder's {@link LatentCheck}; when given, a difference
   *   is reported as damage (CorruptStreamError) or as a portability mismatch
   *   (ParameterMismatchError), whichever it is.
   * @throws CorruptStreamError for streams that do not decode.
   */
  decompress(
    streams: readonly (readonly Uint8Array[])[],
    size: readonly [number, number],
    logGain?: Float64Array,
    checks?: readonly (LatentCheck | undefined)[],
  ): Promise<tf.Tensor4D>;
  /**
   * Optional: a lower bound, in bits, on the size of each stream (in
   * {@link LatentCodec.streamNames} order) for a latent of `size`, from the integer tables
   * alone. {@link ImageCodec} refuses streams far shorter than this before decoding
   * anything, so that a forged image size cannot make it allocate what the file cannot
   * hold. Must not allocate tensors and must run in time independent of `size`.
   * @param size - Latent `[h, w]`.
   */
  minStreamBits?(size: readonly [number, number]): readonly number[];
  /**
   * Optional: {@link LatentCodec.compress} of one image whose latent is read a band of rows
   * at a time, in memory bounded by the band instead of the latent (large images). The
   * streams and check equal `compress`'s for the same latent, whatever `bandRows`.
   * @param bandRows - Latent rows per band, a positive multiple of {@link LatentCodec.latentMultiple}.
   * @param signal - Stops the work (the call throws its reason); the work gives the event
   *   loop a turn a few times a second whether or not one is given.
   */
  compressRows?(y: LatentRows, logGain: Float64Array | undefined, bandRows: number, signal?: AbortSignal): Promise<BandedStreams>;
  /**
   * Optional: {@link LatentCodec.decompress} of one image, handing ŷ to `sink` a band of
   * rows at a time, in order (the values `decompress` returns), in memory bounded by the band.
   * The digests are verified as the bands go, and finally; `sink` may have received rows
   * before an error is thrown. `signal` as for {@link LatentCodec.compressRows}.
   */
  decompressRows?(
    streams: readonly Uint8Array[],
    size: readonly [number, number],
    logGain: Float64Array | undefined,
    check: LatentCheck | undefined,
    bandRows: number,
    sink: LatentRowSink,
    signal?: AbortSignal,
  ): Promise<void>;
  /**
   * Rebuilds learned integer tables from the current parameters (call after training).
   * Reads synchronously: on backends that can (cpu, wasm, tensorflow, webgl).
   */
  update(): void;
  /** {@link LatentCodec.update} with asynchronous reads: the same tables, on every backend (WebGPU included). */
  updateAsync(): Promise<void>;
  /** Optional data-dependent initialisation from a batch of latents, before training. */
  initializeFromData?(y: tf.Tensor4D): void;
}
