import { InvalidArgumentError, Module, ShapeError } from '@ncomp/core';
import type { CallableModule } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { LatentCodec } from '../latent-codecs/latent-codec.js';
import { GainUnit } from './gain-unit.js';
import { decodeCheckStream, encodeCheckStream } from './check-stream.js';
import { resolveControl, type ControlledSynthesis, type DecodeControl } from './decode-control.js';
import { padImage, type PadMode } from './reflect-pad.js';
import { roundUpTo } from './replicate-pad.js';

/** Options of {@link ImageCodec}. */
export interface ImageCodecOptions {
  /** g_a: image [N, H, W, 3] in [0, 1] -> latent [N, H/d, W/d, C]. */
  readonly analysis: CallableModule;
  /** g_s: latent -> image [N, H, W, 3]. */
  readonly synthesis: CallableModule;
  /** How the latent is coded. */
  readonly latentCodec: LatentCodec;
  /** Downsampling factor d of `analysis` (16 for four stride-2 layers). */
  readonly downsampling: number;
  /**
   * The rate-distortion λ of each rate level, increasing. Given, the codec is variable
   * rate through a {@link GainUnit}; `quality` then ranges over [0, lambdas.length - 1].
   */
  readonly lambdas?: readonly number[];
  /** Initial log gains [levels][latent channels] of the gain unit (default: from the λs). */
  readonly initialLogGains?: readonly (readonly number[])[];
  /** How `compress` pads images to {@link ImageCodec.padMultiple}: `replicate` (default) or `reflect` (HiFiC). */
  readonly padMode?: PadMode;
}

/** Options of {@link ImageCodec.forward}. */
export interface ForwardOptions {
  /** Noise and rate bounds (default true), or quantization and information content. */
  readonly training?: boolean;
  /** Rate level for variable-rate codecs (see {@link ImageCodec.qualityRange}). */
  readonly quality?: number;
}

/** Result of {@link ImageCodec.forward}. */
export interface CodecForward {
  /** Reconstruction [N, H, W, 3] (not clipped, so gradients flow). */
  readonly xHat: tf.Tensor4D;
  /** Bits per image [N]. */
  readonly bits: tf.Tensor1D;
  /** Bits per pixel per image [N] (bits / (H W)). */
  readonly bpp: tf.Tensor1D;
}

/**
 * Decodes a latent [N, h, w, C] into images [N, H, W, 3]: g_s, or g_s with a condition
 * bound in (see {@link ImageCodec.forwardWith}).
 */
export type Synthesize = (y: tf.Tensor4D) => tf.Tensor4D;

/** An image as entropy-coded streams, with what the decoder needs besides the model. */
export interface CompressedImage {
  /** The latent codec's streams, in its `streamNames` order. */
  readonly streams: Uint8Array[];
  /** Image height. */
  readonly height: number;
  /** Image width. */
  readonly width: number;
  /** Height the codec coded (a multiple of {@link ImageCodec.padMultiple}). */
  readonly paddedHeight: number;
  /** Width the codec coded. */
  readonly paddedWidth: number;
  /** Rate level coded at (0 for fixed-rate codecs). */
  readonly quality: number;
}

/**
 * A learned image codec: analysis transform, synthesis transform and a latent codec
 * (Ballé et al.'s transform coding view), optionally variable-rate with gain units.
 * `forward` is the training / evaluation pass; `compress` / `decompress` code real
 * images of any size (padded at the bottom and right by edge replication to
 * {@link ImageCodec.padMultiple}, cropped back after decoding).
 */
export class ImageCodec extends Module {
  /** g_a. */
  readonly analysis: CallableModule;
  /** g_s. */
  readonly synthesis: CallableModule;
  /** The latent codec. */
  readonly latentCodec: LatentCodec;
  /** Gain units, for variable-rate codecs. */
  readonly gain: GainUnit | undefined;
  /** Downsampling factor of the analysis transform. */
  readonly downsampling: number;
  /** The λ of each rate level (empty for fixed-rate codecs). */
  readonly lambdas: readonly number[];
  /** How `compress` pads images (see {@link ImageCodecOptions.padMode}). */
  readonly padMode: PadMode;

  /** @param options - See {@link ImageCodecOptions}. */
  constructor(options: ImageCodecOptions) {
    super();
    if (!Number.isInteger(options.downsampling) || options.downsampling < 1) {
      throw new InvalidArgumentError(`downsampling must be a positive integer, found ${String(options.downsampling)}`);
    }
    this.analysis = this.addModule('analysis', options.analysis);
    this.synthesis = this.addModule('synthesis', options.synthesis);
    this.latentCodec = this.addModule('latent_codec', options.latentCodec);
    this.downsampling = options.downsampling;
    this.lambdas = [...(options.lambdas ?? [])];
    this.padMode = options.padMode ?? 'replicate';
    this.gain = options.lambdas ? this.addModule('gain', new GainUnit(options.latentCodec.latentChannels, options.lambdas, options.initialLogGains)) : undefined;
  }

  /**
   * Names of the streams of a {@link CompressedImage}, in order: the latent codec's (e.g.
   * `y`, `z`), then `check` (the digests that tell a portability mismatch from damage, and
   * the encoding backend's name).
   */
  get streamNames(): readonly string[] {
    return [...this.latentCodec.streamNames, 'check'];
  }

  /** Image sizes must be multiples of this to be coded (others are padded by `compress`). */
  get padMultiple(): number {
    return this.downsampling * this.latentCodec.latentMultiple;
  }

  /** The range of `quality`: [0, levels - 1] for variable-rate codecs, [0, 0] otherwise. */
  get qualityRange(): readonly [number, number] {
    return [0, this.gain ? this.gain.levels - 1 : 0];
  }

  /** Validates `quality` (default: the top of the range) and returns it. */
  resolveQuality(quality?: number): number {
    const [lo, hi] = this.qualityRange;
    const q = quality ?? hi;
    if (!Number.isFinite(q) || q < lo || q > hi) {
      throw new InvalidArgumentError(
        hi === 0 ? `this codec has a single rate; quality must be 0, found ${q}` : `quality must be in [${lo}, ${hi}], found ${q}`,
      );
    }
    return q;
  }

  private checkImage(x: tf.Tensor, needMultiple: boolean): void {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new ShapeError(`image must be [N, H, W, 3], found [${x.shape.join(', ')}]`);
    const [, h, w] = x.shape;
    if (needMultiple && (h! % this.padMultiple !== 0 || w! % this.padMultiple !== 0)) {
      throw new ShapeError(`image height and width must be multiples of ${this.padMultiple} for forward(), found ${h}x${w}; compress() pads any size`);
    }
  }

  /** The gain vector of `quality` (undefined for fixed-rate codecs). */
  private gainAt(quality: number): tf.Tensor1D | undefined {
    return this.gain ? this.gain.gain(quality) : undefined;
  }

  /** Image from a (gained) latent, through `synthesize` (g_s or a conditioned g_s). */
  private decodeLatent(yHat: tf.Tensor4D, quality: number, synthesize: Synthesize): tf.Tensor4D {
    const y = this.gain ? (tf.mul(yHat, this.gain.inverseGain(quality)) as tf.Tensor4D) : yHat;
    return synthesize(y);
  }

  /**
   * Training / evaluation pass on images whose sizes are multiples of
   * {@link ImageCodec.padMultiple}.
   * @param x - Images [N, H, W, 3] in [0, 1].
   */
  forward(x: tf.Tensor4D, options: ForwardOptions = {}): CodecForward {
    return this.forwardWith(x, options, (y) => this.synthesis.call(y) as tf.Tensor4D);
  }

  /**
   * {@link ImageCodec.forward} with the latent decoded by `synthesize` instead of g_s's
   * one-argument `call`: the hook of codecs whose synthesis takes a condition (MRIC's
   * beta), which pass a closure over it. `synthesize` runs inside the pass's `tf.tidy`.
   */
  protected forwardWith(x: tf.Tensor4D, options: ForwardOptions, synthesize: Synthesize): CodecForward {
    this.checkImage(x, true);
    const quality = this.resolveQuality(options.quality);
    const training = options.training ?? true;
    return tf.tidy(() => {
      const y = this.analysis.call(x) as tf.Tensor4D;
      const { yHat, bits } = this.latentCodec.forward(y, training, this.gainAt(quality));
      const xHat = this.decodeLatent(yHat, quality, synthesize);
      return { xHat, bits, bpp: tf.div(bits, x.shape[1] * x.shape[2]) as tf.Tensor1D };
    });
  }

  /**
   * Compresses one image of any size.
   * @param x - Image [1, H, W, 3] in [0, 1].
   * @param quality - Rate level (default: the highest).
   */
  async compress(x: tf.Tensor4D, quality?: number): Promise<CompressedImage> {
    this.checkImage(x, false);
    if (x.shape[0] !== 1) throw new ShapeError(`compress codes one image at a time, found a batch of ${x.shape[0]}`);
    const q = this.resolveQuality(quality);
    const [, height, width] = x.shape;
    const paddedHeight = roundUpTo(height, this.padMultiple);
    const paddedWidth = roundUpTo(width, this.padMultiple);
    const logGain = this.gain ? await this.gain.exactLogGain(q) : undefined;
    const y = tf.tidy(() => this.analysis.call(padImage(x, paddedHeight - height, paddedWidth - width, this.padMode)) as tf.Tensor4D);
    try {
      const { streams, yHat, checks } = await this.latentCodec.compress(y, logGain);
      yHat.dispose();
      const check = encodeCheckStream({ backend: tf.getBackend(), check: checks[0]! });
      return { streams: [...streams[0]!, check], height, width, paddedHeight, paddedWidth, quality: q };
    } finally {
      y.dispose();
    }
  }

  /**
   * Decodes an image coded by {@link ImageCodec.compress}.
   * @param control - The decode-time control value for codecs that have one ({@link
   *   ImageCodec.decodeControl}: MRIC's beta, EGIC's alpha); default its `defaultValue`.
   * @returns Image [1, H, W, 3], clipped to [0, 1].
   * @throws CorruptStreamError for streams that do not decode; ShapeError for sizes this
   *   codec cannot have produced; InvalidArgumentError for a bad control value.
   */
  async decompress(image: CompressedImage, control?: number): Promise<tf.Tensor4D> {
    const [x] = await this.decompressAt(image, [control]);
    return x!;
  }

  /**
   * The decode-time control of this codec (MRIC's beta, EGIC's alpha), or undefined when it
   * decodes one reconstruction per bitstream. Subclasses with a control override this and
   * {@link ImageCodec.controlledSynthesis}.
   */
  get decodeControl(): DecodeControl | undefined {
    return undefined;
  }

  /**
   * Decodes the latent of `image` once and reconstructs it at each control value (see
   * {@link ImageCodec.decodeControl}): the way to sweep beta or alpha over one bitstream
   * without entropy-decoding it again for every value.
   * @param controls - One entry per wanted reconstruction; `undefined` for the default.
   * @returns One image [1, H, W, 3] in [0, 1] per entry of `controls`.
   * @throws InvalidArgumentError for a control value outside the codec's range, or any
   *   value for a codec without a control; as {@link ImageCodec.decompress} otherwise.
   */
  async decompressAt(image: CompressedImage, controls: readonly (number | undefined)[]): Promise<tf.Tensor4D[]> {
    const values = controls.map((c) => resolveControl(this.decodeControl, c));
    const q = this.resolveQuality(image.quality);
    const { height, width, paddedHeight, paddedWidth } = image;
    const m = this.padMultiple;
    if (paddedHeight % m !== 0 || paddedWidth % m !== 0 || height > paddedHeight || width > paddedWidth || paddedHeight - height >= m || paddedWidth - width >= m || height < 1 || width < 1) {
      throw new ShapeError(`image ${width}x${height} coded as ${paddedWidth}x${paddedHeight} is not a padding to multiples of ${m} this codec produces`);
    }
    const d = this.downsampling;
    const names = this.streamNames;
    if (!Array.isArray(image.streams) || image.streams.length !== names.length) {
      throw new ShapeError(`a compressed image of this codec has ${names.length} streams (${names.join(', ')}), found ${Array.isArray(image.streams) ? image.streams.length : 'none'}`);
    }
    const latentStreams = image.streams.slice(0, -1);
    const { backend, check } = decodeCheckStream(image.streams[names.length - 1]!);
    const logGain = this.gain ? await this.gain.exactLogGain(q) : undefined;
    const yHat = await this.latentCodec.decompress([latentStreams], [paddedHeight / d, paddedWidth / d], logGain, [{ ...check, origin: `the ${backend} backend` }]);
    const out: tf.Tensor4D[] = [];
    try {
      for (const value of values) {
        const s = this.controlledSynthesis(value);
        try {
          out.push(
            tf.tidy(() => {
              const full = this.decodeLatent(yHat, q, s.synthesize);
              return tf.clipByValue(tf.slice(full, [0, 0, 0, 0], [1, height, width, 3]), 0, 1) as tf.Tensor4D;
            }),
          );
        } finally {
          s.dispose();
        }
      }
    } catch (err) {
      tf.dispose(out);
      throw err;
    } finally {
      yHat.dispose();
    }
    return out;
  }

  /**
   * The synthesis for a control value (already checked by {@link resolveControl}; undefined
   * for codecs without a control). The base codec ignores it and runs g_s.
   */
  protected controlledSynthesis(control: number | undefined): ControlledSynthesis {
    void control;
    return { synthesize: (y) => this.synthesis.call(y) as tf.Tensor4D, dispose: () => undefined };
  }

  /**
   * Data-dependent initialisation before training (for latent codecs that have one): the
   * (un-gained) latent of `x` is passed to the latent codec's `initializeFromData`.
   * @param x - A training batch [N, H, W, 3] (sizes multiples of {@link ImageCodec.padMultiple}).
   */
  initializeFromData(x: tf.Tensor4D): void {
    const init = this.latentCodec.initializeFromData?.bind(this.latentCodec);
    if (!init) return;
    this.checkImage(x, true);
    const y = tf.tidy(() => this.analysis.call(x) as tf.Tensor4D);
    try {
      init(y);
    } finally {
      y.dispose();
    }
  }

  /** Rebuilds learned integer tables from the current parameters (call after training, before compressing). */
  update(): void {
    this.latentCodec.update();
  }
}
