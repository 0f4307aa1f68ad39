import { CorruptStreamError, InvalidArgumentError, Module, ShapeError } from '@ncomp/core';
import type { CallableModule } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { LatentCodec } from '../latent-codecs/latent-codec.js';
import { GainUnit } from './gain-unit.js';
import { decodeCheckStream, encodeCheckStream } from './check-stream.js';
import { resolveControl, type ControlledSynthesis, type DecodeControl } from './decode-control.js';
import { checkPixelLimit, checkStreamBounds, resolveBand, resolveTile, type ImageLimits } from './image-limits.js';
import { SynthesisRows, analysisRows, analyzeTiled, synthesizeTiled, type PixelRowSink } from './tiled-transforms.js';
import { pixelsOf, probeReach, type ImagePixels } from './tiling.js';
import { Pacer } from './pause.js';
import { roundUpTo } from './replicate-pad.js';
import { padImage, type PadMode } from './reflect-pad.js';

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
  /** The streams, in {@link ImageCodec.streamNames} order: the latent codec's, then `check`. */
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
 *
 * @example
 * A small, untrained mean-scale hyperprior codec (Minnen et al. 2018) from the registry:
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { createModel } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const codec = createModel('mbt2018-mean', { N: 8, M: 12 });
 * const x = tf.randomUniform([1, 64, 64, 3]) as tf.Tensor4D; // NHWC in [0, 1]
 *
 * // Training / evaluation pass: reconstruction and estimated rate.
 * const { xHat, bits, bpp } = codec.forward(x, { training: false });
 * assert.deepEqual(xHat.shape, x.shape);
 *
 * // Real coding: build the integer tables once after training, then code any size.
 * codec.update();
 * const image = tf.randomUniform([1, 40, 50, 3]) as tf.Tensor4D;
 * const compressed = await codec.compress(image); // streams + sizes; padded to padMultiple inside
 * const decoded = await codec.decompress(compressed); // the same symbols on every backend
 * assert.deepEqual(decoded.shape, [1, 40, 50, 3]);
 * console.log(`${compressed.streams.reduce((n, s) => n + s.length, 0)} bytes, estimated ${(await bpp.data())[0]} bpp`);
 * tf.dispose([x, xHat, bits, bpp, image, decoded]);
 * codec.dispose();
 * ```
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
    this.gain = options.lambdas
      ? this.addModule('gain', new GainUnit(options.latentCodec.latentChannels, options.lambdas, options.initialLogGains))
      : undefined;
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
   * Compresses one image of any size. Images larger than one tile ({@link
   * ImageLimits.tile}) go through {@link ImageCodec.compressPixels}.
   * @param x - Image [1, H, W, 3] in [0, 1].
   * @param quality - Rate level (default: the highest).
   * @param limits - Size limits (default: `DEFAULT_MAX_PIXELS`, 2^28 padded pixels), so
   *   that whatever compresses also decompresses with the same limits; the tile size.
   * @throws LimitExceededError for an image above the pixel limit.
   */
  async compress(x: tf.Tensor4D, quality?: number, limits?: ImageLimits): Promise<CompressedImage> {
    this.checkImage(x, false);
    if (x.shape[0] !== 1) throw new ShapeError(`compress codes one image at a time, found a batch of ${x.shape[0]}`);
    const [, height, width] = x.shape;
    const size = this.paddedSize(height, width, limits);
    if (!this.needsTiles(size, limits)) {
      const q = this.resolveQuality(quality);
      const y = tf.tidy(() => this.analysis.call(padImage(x, size.paddedHeight - height, size.paddedWidth - width, this.padMode)) as tf.Tensor4D);
      return this.codeLatent(y, q, size);
    }
    return this.compressPixels((await x.data()) as Float32Array, height, width, quality, limits);
  }

  /**
   * Compresses one image given as a row-major RGB array (or read row by row, {@link
   * ImagePixels}), running g_a in overlapping tiles (overlap: its measured receptive
   * field) so that memory is bounded by the tile size and the latent, not by the image:
   * the way to code images of hundreds of megapixels. A latent taller than one band
   * ({@link ImageLimits.band}) is coded band by band when the latent codec can
   * ({@link LatentCodec.compressRows}): g_a, the entropy parameters and the symbols a band
   * at a time, memory bounded by the band, the streams the same. The result equals
   * {@link ImageCodec.compress}'s up to float summation order for convolutional transforms.
   * @param rgb - `height * width * 3` values in [0, 1] (not modified), or the image's rows.
   * @throws ShapeError when `rgb` has another size; as {@link ImageCodec.compress} otherwise.
   */
  async compressPixels(rgb: Float32Array | ImagePixels, height: number, width: number, quality?: number, limits?: ImageLimits): Promise<CompressedImage> {
    const sizeOk = Number.isSafeInteger(height) && Number.isSafeInteger(width) && height >= 1 && width >= 1;
    const found = rgb instanceof Float32Array ? `${rgb.length} values` : `rows of ${rgb.width}x${rgb.height}`;
    if (!sizeOk || (rgb instanceof Float32Array ? rgb.length !== height * width * 3 : rgb.height !== height || rgb.width !== width)) {
      throw new ShapeError(`compressPixels needs height * width * 3 values for a ${width}x${height} image, found ${found}`);
    }
    const size = this.paddedSize(height, width, limits);
    const q = this.resolveQuality(quality);
    // One tile needs no overlap, and so no receptive-field probe.
    const g = this.tiledGeometry(limits, this.needsTiles(size, limits) ? (await this.tileMargins()).analysis : 0);
    const band = this.bandRows(size, limits);
    if (band !== undefined) {
      const pixels = rgb instanceof Float32Array ? pixelsOf(rgb, height, width) : rgb;
      const y = analysisRows((t) => this.analysis.call(t) as tf.Tensor4D, pixels, size, g, this.latentCodec.latentChannels);
      const logGain = this.gain ? await this.gain.exactLogGain(q) : undefined;
      const { streams, check } = await this.latentCodec.compressRows!(y, logGain, band, limits?.signal);
      return { streams: [...streams, encodeCheckStream({ backend: tf.getBackend(), check })], ...size, quality: q };
    }
    const y = await analyzeTiled((t) => this.analysis.call(t) as tf.Tensor4D, rgb, size, g);
    return this.codeLatent(y, q, size);
  }

  /**
   * The band height (latent rows) of the banded path, or undefined when the image is coded
   * whole: its latent fits one band, or the latent codec has no banded path.
   */
  private bandRows(size: { paddedHeight: number; paddedWidth: number }, limits: ImageLimits | undefined): number | undefined {
    const rowValues = (size.paddedWidth / this.downsampling) * this.latentCodec.latentChannels;
    const band = roundUpTo(resolveBand(limits, rowValues), this.latentCodec.latentMultiple);
    const rows = size.paddedHeight / this.downsampling;
    return this.latentCodec.compressRows && this.latentCodec.decompressRows && rows > band ? band : undefined;
  }

  /** The coded size of an image, checked against the pixel limit. */
  private paddedSize(height: number, width: number, limits: ImageLimits | undefined) {
    const size = { height, width, paddedHeight: roundUpTo(height, this.padMultiple), paddedWidth: roundUpTo(width, this.padMultiple) };
    checkPixelLimit(size.paddedWidth, size.paddedHeight, limits);
    return size;
  }

  /** Whether a coded size spans more than one tile. */
  private needsTiles(size: { paddedHeight: number; paddedWidth: number }, limits: ImageLimits | undefined): boolean {
    const t = resolveTile(limits) * this.downsampling;
    return size.paddedHeight > t || size.paddedWidth > t;
  }

  /**
   * Overlap of g_a and g_s tiles in latent pixels: their receptive fields measured once
   * ({@link probeReach}) plus one.
   */
  private async tileMargins(): Promise<{ analysis: number; synthesis: number }> {
    if (!this.margins) {
      const d = this.downsampling;
      const s = this.controlledSynthesis(resolveControl(this.decodeControl, undefined));
      try {
        this.margins = {
          analysis: Math.ceil(await probeReach((x) => this.analysis.call(x) as tf.Tensor4D, d, 1, 3)) + 1,
          synthesis: Math.ceil(await probeReach(s.synthesize, 1, d, this.latentCodec.latentChannels)) + 1,
        };
      } finally {
        s.dispose();
      }
    }
    return this.margins;
  }

  private margins: { analysis: number; synthesis: number } | undefined;

  /**
   * Tile regions of g_a / g_s start at multiples of this many latent pixels: 1 for
   * convolutional transforms; codecs with window attention anchored at the image origin
   * (Swin) return their largest window in latent pixels, so tiles partition as the whole
   * image does and only the seams differ.
   */
  protected get tileAlignment(): number {
    return 1;
  }

  /**
   * Tile geometry for a transform with overlap `margin` (tile rounded up to the alignment),
   * with a pacer that gives the event loop turns and honours `limits.signal` between tiles.
   */
  private tiledGeometry(limits: ImageLimits | undefined, margin: number) {
    const align = this.tileAlignment;
    const pacer = new Pacer(limits?.signal);
    return { downsampling: this.downsampling, tile: roundUpTo(resolveTile(limits), align), margin, align, padMode: this.padMode, pacer };
  }

  /** Entropy-codes a latent (disposing it). */
  private async codeLatent(
    y: tf.Tensor4D,
    q: number,
    size: { height: number; width: number; paddedHeight: number; paddedWidth: number },
  ): Promise<CompressedImage> {
    try {
      const logGain = this.gain ? await this.gain.exactLogGain(q) : undefined;
      const { streams, yHat, checks } = await this.latentCodec.compress(y, logGain);
      yHat.dispose();
      const check = encodeCheckStream({ backend: tf.getBackend(), check: checks[0]! });
      return { streams: [...streams[0]!, check], ...size, quality: q };
    } finally {
      y.dispose();
    }
  }

  /**
   * Decodes an image coded by {@link ImageCodec.compress}.
   * @param control - The decode-time control value for codecs that have one ({@link
   *   ImageCodec.decodeControl}: MRIC's beta, EGIC's alpha); default its `defaultValue`.
   * @param limits - Size limits (default: `DEFAULT_MAX_PIXELS`, 2^28 padded pixels).
   * @returns Image [1, H, W, 3], clipped to [0, 1].
   * @throws CorruptStreamError for streams that do not decode, or that are too short for
   *   the declared size (checked before anything is allocated); ShapeError for sizes this
   *   codec cannot have produced; LimitExceededError above the pixel limit;
   *   InvalidArgumentError for a bad control value.
   */
  async decompress(image: CompressedImage, control?: number, limits?: ImageLimits): Promise<tf.Tensor4D> {
    const [x] = await this.decompressAt(image, [control], limits);
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
   * @param limits - Size limits, as for {@link ImageCodec.decompress}.
   * @throws InvalidArgumentError for a control value outside the codec's range, or any
   *   value for a codec without a control; as {@link ImageCodec.decompress} otherwise.
   */
  async decompressAt(image: CompressedImage, controls: readonly (number | undefined)[], limits?: ImageLimits): Promise<tf.Tensor4D[]> {
    const values = controls.map((c) => resolveControl(this.decodeControl, c));
    const q = this.resolveQuality(image.quality);
    this.checkGeometry(image, limits);
    const yHat = await this.decodeLatentOf(image, q);
    const out: tf.Tensor4D[] = [];
    try {
      for (const value of values) out.push(await this.synthesizeImage(yHat, q, value, image, limits));
    } catch (err) {
      tf.dispose(out);
      throw err;
    } finally {
      yHat.dispose();
    }
    return out;
  }

  /**
   * {@link ImageCodec.decompress} into a row-major RGB array instead of a tensor, g_s run
   * in overlapping tiles: memory is bounded by the tile size, the latent and the returned
   * array, never by a whole-image tensor (and by the band instead of the latent for a
   * banded image, see {@link ImageCodec.decompressRows}).
   * @returns `height * width * 3` values in [0, 1].
   */
  async decompressPixels(image: CompressedImage, control?: number, limits?: ImageLimits): Promise<Float32Array> {
    if (this.bandRows(image, limits) === undefined) return this.decompressWhole(image, control, limits);
    const out = new Float32Array(image.height * image.width * 3);
    await this.decompressRows(image, (y0, rows) => out.set(rows, y0 * image.width * 3), control, limits);
    return out;
  }

  /**
   * Decodes an image a band of rows at a time, handing the pixels to `sink` in order: for
   * images too large to hold as float32 (the caller converts each band, for example to
   * 8-bit samples). A latent taller than one band ({@link ImageLimits.band}) is decoded
   * band by band when the latent codec can ({@link LatentCodec.decompressRows}), and g_s
   * runs on each row of tiles as soon as its latent rows are decoded: memory is bounded by
   * the band and the tiles. The pixels equal {@link ImageCodec.decompressPixels}'s.
   * `sink` may have received rows when an error is thrown (a damaged file is found out at
   * the end): discard them then.
   * @throws As {@link ImageCodec.decompress}.
   */
  async decompressRows(image: CompressedImage, sink: PixelRowSink, control?: number, limits?: ImageLimits): Promise<void> {
    const band = this.bandRows(image, limits);
    if (band === undefined) {
      await sink(0, await this.decompressWhole(image, control, limits));
      return;
    }
    const value = resolveControl(this.decodeControl, control);
    const q = this.resolveQuality(image.quality);
    this.checkGeometry(image, limits);
    const d = this.downsampling;
    const size = [image.paddedHeight / d, image.paddedWidth / d] as const;
    const { backend, check } = decodeCheckStream(image.streams[image.streams.length - 1]!);
    const logGain = this.gain ? await this.gain.exactLogGain(q) : undefined;
    const s = this.controlledSynthesis(value);
    try {
      const g = this.tiledGeometry(limits, this.needsTiles(image, limits) ? (await this.tileMargins()).synthesis : 0);
      const latent = [size[0], size[1], this.latentCodec.latentChannels] as const;
      const rows = new SynthesisRows((y) => this.decodeLatent(y, q, s.synthesize), latent, image, g, sink);
      const streams = image.streams.slice(0, -1);
      const origin = { ...check, origin: `the ${backend} backend` };
      await this.latentCodec.decompressRows!(streams, size, logGain, origin, band, (r0, data) => rows.push(r0, data), limits?.signal);
      rows.finish();
    } finally {
      s.dispose();
    }
  }

  /** {@link ImageCodec.decompressPixels} with the whole latent decoded at once. */
  private async decompressWhole(image: CompressedImage, control?: number, limits?: ImageLimits): Promise<Float32Array> {
    const value = resolveControl(this.decodeControl, control);
    const q = this.resolveQuality(image.quality);
    this.checkGeometry(image, limits);
    const yHat = await this.decodeLatentOf(image, q);
    try {
      const s = this.controlledSynthesis(value);
      try {
        const g = this.tiledGeometry(limits, this.needsTiles(image, limits) ? (await this.tileMargins()).synthesis : 0);
        return await synthesizeTiled((y) => this.decodeLatent(y, q, s.synthesize), yHat, image, g);
      } finally {
        s.dispose();
      }
    } finally {
      yHat.dispose();
    }
  }

  /**
   * The quantized latent of a checked image: the latent streams decoded by the
   * deterministic path, verified against the `check` stream's digests.
   */
  private async decodeLatentOf(image: CompressedImage, q: number): Promise<tf.Tensor4D> {
    const d = this.downsampling;
    const { backend, check } = decodeCheckStream(image.streams[image.streams.length - 1]!);
    const logGain = this.gain ? await this.gain.exactLogGain(q) : undefined;
    return this.latentCodec.decompress([image.streams.slice(0, -1)], [image.paddedHeight / d, image.paddedWidth / d], logGain, [
      { ...check, origin: `the ${backend} backend` },
    ]);
  }

  /** One reconstruction [1, H, W, 3] of a decoded latent at a control value, whole or in tiles. */
  private async synthesizeImage(
    yHat: tf.Tensor4D,
    q: number,
    value: number | undefined,
    image: CompressedImage,
    limits: ImageLimits | undefined,
  ): Promise<tf.Tensor4D> {
    const { height, width } = image;
    const s = this.controlledSynthesis(value);
    try {
      if (this.needsTiles(image, limits)) {
        const g = this.tiledGeometry(limits, (await this.tileMargins()).synthesis);
        return tf.tensor4d(await synthesizeTiled((y) => this.decodeLatent(y, q, s.synthesize), yHat, image, g), [1, height, width, 3]);
      }
      return tf.tidy(() => {
        const full = this.decodeLatent(yHat, q, s.synthesize);
        return tf.clipByValue(tf.slice(full, [0, 0, 0, 0], [1, height, width, 3]), 0, 1) as tf.Tensor4D;
      });
    } finally {
      s.dispose();
    }
  }

  /**
   * Checks what a header declares against the codec and the streams before anything is
   * allocated: a padding this codec produces, the pixel limit, the number of streams, and
   * each stream's length against the least the latent codec can code the declared latent
   * in ({@link LatentCodec.minStreamBits}). Runs in constant time.
   */
  private checkGeometry(image: CompressedImage, limits: ImageLimits | undefined): void {
    const { height, width, paddedHeight, paddedWidth, streams } = image;
    const m = this.padMultiple;
    const sizes = [height, width, paddedHeight, paddedWidth];
    if (!sizes.every((v) => Number.isSafeInteger(v) && v >= 1)) {
      throw new ShapeError(`image sizes must be positive integers, found ${width}x${height} coded as ${paddedWidth}x${paddedHeight}`);
    }
    if (
      paddedHeight % m !== 0 ||
      paddedWidth % m !== 0 ||
      height > paddedHeight ||
      width > paddedWidth ||
      paddedHeight - height >= m ||
      paddedWidth - width >= m
    ) {
      throw new ShapeError(`image ${width}x${height} coded as ${paddedWidth}x${paddedHeight} is not a padding to multiples of ${m} this codec produces`);
    }
    checkPixelLimit(paddedWidth, paddedHeight, limits);
    const names = this.streamNames;
    if (!Array.isArray(streams) || streams.length !== names.length || !streams.every((s) => s instanceof Uint8Array)) {
      const found = Array.isArray(streams) ? `${streams.length}` : typeof streams;
      throw new CorruptStreamError(`this model codes an image into ${names.length} streams (${names.join(', ')}), found ${found}`);
    }
    const size = [paddedHeight / this.downsampling, paddedWidth / this.downsampling] as const;
    const bounds = this.latentCodec.minStreamBits?.(size);
    if (bounds) checkStreamBounds(this.latentCodec.streamNames, streams.slice(0, -1), bounds, `a ${width}x${height} image`);
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

  /**
   * Rebuilds learned integer tables from the current parameters (call after training, before
   * compressing). Reads synchronously: on backends that can (cpu, wasm, tensorflow, webgl);
   * {@link ImageCodec.updateAsync} runs on every backend.
   */
  update(): void {
    this.latentCodec.update();
  }

  /** {@link ImageCodec.update} with asynchronous reads: the same tables, on every backend (WebGPU included). */
  async updateAsync(): Promise<void> {
    await this.latentCodec.updateAsync();
  }
}
