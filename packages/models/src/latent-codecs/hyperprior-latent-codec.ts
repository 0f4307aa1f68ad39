import { InvalidArgumentError, Module, ShapeError, exactExp, exactOf, readExact, roundHalfEven, type ExactFn, type ExactMap } from '@ncomp/core';
import {
  ContinuousBatchedEntropyModel,
  type LocationScaleIndexedEntropyModel,
  NoisyDeepFactorized,
  type CoderName,
  type LocationScaleFamily,
} from '@ncomp/entropy';
import type { CallableModule } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import { checkLatent } from './factorized-latent-codec.js';
import { HyperLatent } from './hyper-latent.js';
import { encodePart, decodePart, type CodedPart } from './indexed-coding.js';
import { CheckRecorder, digestInts, type LatentCheck } from './latent-check.js';
import { Pacer } from '../codec/pause.js';
import { DIGEST_SEED, exactReach, hyperRows, type LatentRowSink, type LatentRows } from './latent-rows.js';
import { imageValues, latentTensor } from './latent-values.js';
import type { BandedStreams, LatentCodec, LatentCompressed, LatentForward } from './latent-codec.js';
import { boundScaleIndexes, scaleTable } from './scale-table.js';

/** The learned per-channel offsets of a {@link HyperpriorLatentCodec} (values are θ; applied as `offsetScale * θ`). */
export interface ChannelOffsets {
  /** Added to the scale index [M]. */
  readonly index: tf.Variable;
  /** Added to the mean [M] (mean-scale only). */
  readonly loc?: tf.Variable;
  /** Multiplies h_s's mean output [M] (mean-scale only). */
  readonly locScale?: tf.Variable;
}

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
export class HyperpriorLatentCodec extends Module implements LatentCodec {
  /** {@inheritDoc LatentCodec.latentChannels} */
  readonly latentChannels: number;
  /** {@inheritDoc LatentCodec.latentMultiple} */
  readonly latentMultiple: number;
  /** {@inheritDoc LatentCodec.streamNames} */
  readonly streamNames: readonly string[] = ['y', 'z'];
  /** Whether means are predicted. */
  readonly mean: boolean;
  /** Channels of z. */
  readonly hyperChannels: number;
  /** h_a. */
  readonly hyperAnalysis: CallableModule;
  /** h_s. */
  readonly hyperSynthesis: CallableModule;
  /** Factorized entropy model of z. */
  readonly hyperBottleneck: ContinuousBatchedEntropyModel;
  /** Conditional entropy model of y. */
  readonly conditional: LocationScaleIndexedEntropyModel;
  /**
   * The z half (h_a and the factorized prior), shared with {@link CharmLatentCodec}.
   * @internal
   */
  readonly hyper: HyperLatent;
  private readonly numScales: number;
  private readonly indexOffset: number;
  private readonly scaleOffset: number;
  private readonly scaleFactor: number;
  private readonly offsetScale: number;
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
    this.latentChannels = options.latentChannels;
    this.hyperChannels = options.hyperChannels;
    this.latentMultiple = options.hyperDownsampling;
    this.mean = options.mean ?? false;
    this.indexOffset = options.indexOffset ?? 0;
    if (!Number.isFinite(this.indexOffset)) throw new InvalidArgumentError(`indexOffset must be finite, found ${this.indexOffset}`);
    this.hyperAnalysis = this.addModule('hyper_analysis', options.hyperAnalysis);
    this.hyperSynthesis = this.addModule('hyper_synthesis', options.hyperSynthesis);
    const coder = options.coder ?? 'rans';
    const prior = new NoisyDeepFactorized(
      options.seed === undefined ? { batchShape: [options.hyperChannels] } : { batchShape: [options.hyperChannels], seed: options.seed },
    );
    this.hyperBottleneck = this.addModule('hyper_bottleneck', new ContinuousBatchedEntropyModel(prior, { codingRank: 3, compression: true, coder }));
    const table = scaleTable({ ...options, coder });
    this.numScales = table.numScales;
    this.scaleOffset = table.logScaleMin;
    this.scaleFactor = table.logScaleStep;
    this.offsetScale = options.offsetScale ?? 0;
    this.synthesisInput = options.synthesisInput ?? 'noisy';
    if (this.synthesisInput !== 'noisy' && this.synthesisInput !== 'rounded') {
      throw new InvalidArgumentError(`synthesisInput must be "noisy" or "rounded", found "${String(options.synthesisInput)}"`);
    }
    if (!(this.offsetScale >= 0)) throw new InvalidArgumentError(`offsetScale must be >= 0, found ${options.offsetScale}`);
    const m = options.latentChannels;
    this.channelOffsets =
      this.offsetScale > 0
        ? {
            index: this.addWeight('index_offset', () => tf.zeros([m])),
            ...(this.mean
              ? { loc: this.addWeight('loc_offset', () => tf.zeros([m])), locScale: this.addWeight('loc_scale', () => tf.fill([m], 1 / this.offsetScale)) }
              : {}),
          }
        : undefined;
    this.conditional = this.addModule('conditional', table.model);
    this.hyper = new HyperLatent(this.hyperAnalysis, this.hyperBottleneck, this.hyperChannels, this.latentMultiple, this.mean ? 'y' : 'abs');
  }

  /** z = h_a(y or |y|). */
  private hyperLatent(y: tf.Tensor4D): tf.Tensor4D {
    return this.hyperAnalysis.call(this.mean ? y : tf.abs(y)) as tf.Tensor4D;
  }

  /**
   * Scale indexes (bounded to [0, numScales - 1]) and means from ẑ, for the latent scaled
   * by `gain`: h_s models the un-gained latent, and a gain g multiplies its mean by g and
   * its scale by g (the index moves by log(g) / step).
   */
  private parameters(zHat: tf.Tensor4D, ySize: readonly [number, number], gain?: tf.Tensor1D): { indexes: tf.Tensor4D; loc?: tf.Tensor4D } {
    const out = this.hyperSynthesis.call(zHat) as tf.Tensor4D;
    const m = this.latentChannels;
    const expected = this.mean ? 2 * m : m;
    const [n, h, w, c] = out.shape;
    if (h !== ySize[0] || w !== ySize[1] || c !== expected) {
      throw new ShapeError(`hyperSynthesis must give [${n}, ${ySize[0]}, ${ySize[1]}, ${expected}], gave [${out.shape.join(', ')}]`);
    }
    const bound = (t: tf.Tensor): tf.Tensor4D => {
      let shifted = this.indexOffset === 0 ? t : tf.add(t, this.indexOffset);
      if (this.channelOffsets) shifted = tf.add(shifted, tf.mul(this.channelOffsets.index, this.offsetScale));
      if (gain) shifted = tf.add(shifted, tf.div(tf.log(gain), this.scaleFactor));
      return boundScaleIndexes(shifted, this.numScales);
    };
    if (!this.mean) return { indexes: bound(out) };
    const [raw, rawLoc] = tf.split(out, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const o = this.channelOffsets;
    let loc: tf.Tensor4D = rawLoc;
    if (o?.loc && o.locScale) loc = tf.add(tf.mul(rawLoc, tf.mul(o.locScale, this.offsetScale)), tf.mul(o.loc, this.offsetScale)) as tf.Tensor4D;
    if (gain) loc = tf.mul(loc, gain) as tf.Tensor4D;
    return { indexes: bound(raw), loc };
  }

  private checkY(y: tf.Tensor4D): void {
    checkLatent(y, this.latentChannels);
    const [, h, w] = y.shape;
    if (h % this.latentMultiple !== 0 || w % this.latentMultiple !== 0) {
      throw new ShapeError(`latent height and width must be multiples of ${this.latentMultiple}, found ${h}x${w}`);
    }
  }

  /** {@inheritDoc LatentCodec.forward} */
  forward(y: tf.Tensor4D, training: boolean, gain?: tf.Tensor1D): LatentForward {
    this.checkY(y);
    return tf.tidy(() => {
      const z = this.hyperLatent(y);
      const { values: zHat, bits: zBits } = this.hyperBottleneck.call(z, training);
      const { indexes, loc } = this.parameters(zHat as tf.Tensor4D, [y.shape[1], y.shape[2]], gain);
      const gained = gain ? tf.mul(y, gain) : y;
      const { values, bits } = this.conditional.callWithLoc(gained, indexes, loc, training);
      const yHat = training && this.synthesisInput === 'rounded' ? this.conditional.quantizeWithLoc(gained, indexes, loc) : values;
      return { yHat: yHat as tf.Tensor4D, bits: tf.add(bits, zBits) as tf.Tensor1D };
    });
  }

  /**
   * The deterministic entropy-parameter path: h_s's twin, the channel offsets and the
   * log-gain give, per image, every symbol's table and mean from ẑ (float64, the same on
   * every backend). Mirrors {@link HyperpriorLatentCodec.forward}'s parameters.
   */
  private async parameterPath(): Promise<(zHat: ExactMap, size: readonly [number, number], logGain?: Float64Array) => CodedPart> {
    const { hs, toPart } = await this.exactParameters();
    return (zHat, size, logGain) => {
      const out = hs(zHat);
      if (out.height !== size[0] || out.width !== size[1]) {
        throw new ShapeError(`hyperSynthesis must give ${size[0]}x${size[1]}x${out.channels}, gave ${out.height}x${out.width}x${out.channels}`);
      }
      return toPart(out, logGain);
    };
  }

  /**
   * h_s's deterministic twin and the conversion of its output (any number of pixels) to
   * tables and means: the parts of {@link HyperpriorLatentCodec.parameterPath}, which the
   * banded path applies a window at a time.
   */
  private async exactParameters(): Promise<{ hs: ExactFn; toPart: (out: ExactMap, logGain?: Float64Array) => CodedPart }> {
    const hs = await exactOf('hyperSynthesis', this.hyperSynthesis);
    const o = this.channelOffsets;
    const indexOffsets = o ? await readExact(o.index) : undefined;
    const locOffsets = o?.loc ? await readExact(o.loc) : undefined;
    const locScales = o?.locScale ? await readExact(o.locScale) : undefined;
    const m = this.latentChannels;
    const k = this.offsetScale;
    const toPart = (out: ExactMap, logGain?: Float64Array): CodedPart => {
      const expected = this.mean ? 2 * m : m;
      if (out.channels !== expected) {
        throw new ShapeError(`hyperSynthesis must give ${expected} channels, gave ${out.height}x${out.width}x${out.channels}`);
      }
      // Per channel constants, hoisted; the additions below keep forward()'s order:
      // ((raw + indexOffset) + learned offset) + log-gain / step, and (raw * a + b) * gain.
      // An absent term is an exact no-op: + 0 (learned, gainShift), * 1 + 0 (locA, locB, gains).
      const learned = new Float64Array(m);
      const gainShift = new Float64Array(m);
      const locA = new Float64Array(m).fill(1);
      const locB = new Float64Array(m);
      const gains = new Float64Array(m).fill(1);
      for (let c = 0; c < m; c++) {
        if (indexOffsets) learned[c] = indexOffsets[c]! * k;
        if (logGain) {
          gainShift[c] = logGain[c]! / this.scaleFactor;
          gains[c] = exactExp(logGain[c]!);
        }
        if (locScales && locOffsets) {
          locA[c] = locScales[c]! * k;
          locB[c] = locOffsets[c]! * k;
        }
      }
      const pixels = out.height * out.width;
      const indexes = new Int32Array(pixels * m);
      const loc = new Float64Array(pixels * m);
      const d = out.data;
      const top = this.numScales - 1;
      const offset = this.indexOffset;
      for (let p = 0; p < pixels; p++) {
        const o = p * expected;
        const q = p * m;
        for (let c = 0; c < m; c++) {
          let v = d[o + c]! + offset + learned[c]! + gainShift[c]!;
          v = v < 0 ? 0 : v > top ? top : v;
          let r = Math.round(v);
          if (r - v === 0.5 && (r & 1) === 1) r -= 1;
          indexes[q + c] = r;
        }
      }
      if (this.mean) {
        for (let p = 0; p < pixels; p++) {
          const o = p * expected + m;
          const q = p * m;
          for (let c = 0; c < m; c++) loc[q + c] = (d[o + c]! * locA[c]! + locB[c]!) * gains[c]!;
        }
      }
      return { indexes, loc };
    };
    return { hs, toPart };
  }

  /** {@inheritDoc LatentCodec.compressRows} */
  async compressRows(y: LatentRows, logGain: Float64Array | undefined, bandRows: number, signal?: AbortSignal): Promise<BandedStreams> {
    this.checkBand(y.height, y.width, bandRows);
    const check = new CheckRecorder();
    const pacer = new Pacer(signal);
    const { hs, toPart } = await this.exactParameters();
    const { string, zHat } = await this.hyper.compressRows(y, check, bandRows, this.latentChannels, pacer);
    const reach = exactReach(hs, this.hyperChannels, this.latentMultiple);
    const m = this.latentChannels;
    const gains = logGain ? Array.from(logGain, (g) => exactExp(g)) : undefined;
    const rowLength = y.width * m;
    const encoder = this.conditional.createEncoder();
    let indexDigest = DIGEST_SEED;
    let symbolDigest = DIGEST_SEED;
    for (let r0 = 0; r0 < y.height; r0 += bandRows) {
      const r1 = Math.min(y.height, r0 + bandRows);
      const part = toPart(await hyperRows(hs, zHat, this.latentMultiple, reach, r0, r1, pacer), logGain);
      const rows = await y.read(r0, r1);
      const symbols = new Int32Array(rows.length);
      // As imageValues and encodePart: the float32 latent times the float64 gain, minus the mean.
      for (let i0 = 0; i0 < rows.length; i0 += rowLength) {
        for (let i = i0; i < i0 + rowLength; i++) {
          const v = gains ? rows[i]! * gains[i % m]! : rows[i]!;
          const s = roundHalfEven(v - part.loc[i]!);
          symbols[i] = s;
          encoder.encode(s, part.indexes[i]!);
        }
        await pacer.tick();
      }
      indexDigest = digestInts(part.indexes, indexDigest);
      symbolDigest = digestInts(symbols, symbolDigest);
    }
    check.partDigests(indexDigest, symbolDigest);
    return { streams: [encoder.finish(), string], check: check.result() };
  }

  /** {@inheritDoc LatentCodec.decompressRows} */
  async decompressRows(
    streams: readonly Uint8Array[],
    size: readonly [number, number],
    logGain: Float64Array | undefined,
    check: LatentCheck | undefined,
    bandRows: number,
    sink: LatentRowSink,
    signal?: AbortSignal,
  ): Promise<void> {
    this.checkBand(size[0], size[1], bandRows);
    const pacer = new Pacer(signal);
    const { hs, toPart } = await this.exactParameters();
    const { zHat, verifiers } = await this.hyper.decompressPairs([streams], size, [check], 'hyperprior latent codec');
    const verifier = verifiers[0]!;
    const reach = exactReach(hs, this.hyperChannels, this.latentMultiple);
    const s = this.latentMultiple;
    const partOf = async (r0: number): Promise<CodedPart> =>
      toPart(await hyperRows(hs, zHat[0]!, s, reach, r0, Math.min(size[0], r0 + bandRows), pacer), logGain);
    const rowLength = size[1] * this.latentChannels;
    const decoder = this.conditional.createDecoder(streams[0]!);
    let indexDigest = DIGEST_SEED;
    let symbolDigest = DIGEST_SEED;
    for (let r0 = 0; r0 < size[0]; r0 += bandRows) {
      const part = await partOf(r0);
      indexDigest = digestInts(part.indexes, indexDigest);
      const symbols = new Int32Array(part.indexes.length);
      const rows = new Float32Array(part.indexes.length);
      try {
        for (let i0 = 0; i0 < symbols.length; i0 += rowLength) {
          for (let i = i0; i < i0 + rowLength; i++) {
            const v = decoder.decode(part.indexes[i]!);
            symbols[i] = v;
            rows[i] = v + part.loc[i]!;
          }
          await pacer.tick();
        }
      } catch (err) {
        if (signal?.aborted) throw err;
        // As decompress, which checks the tables before decoding: other tables (a
        // portability mismatch) are reported before what they made the decoder read.
        for (let r = r0 + bandRows; r < size[0]; r += bandRows) indexDigest = digestInts((await partOf(r)).indexes, indexDigest);
        verifier.indexesDigest(0, indexDigest);
        throw err;
      }
      symbolDigest = digestInts(symbols, symbolDigest);
      await sink(r0, rows);
    }
    verifier.indexesDigest(0, indexDigest);
    decoder.finish();
    verifier.symbolsDigest(0, symbolDigest);
    verifier.finish(1);
  }

  /** Checks a latent size and band height of the banded path. */
  private checkBand(h: number, w: number, bandRows: number): void {
    const s = this.latentMultiple;
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || h % s !== 0 || w % s !== 0) {
      throw new ShapeError(`latent height and width must be positive multiples of ${s}, found ${h}x${w}`);
    }
    if (!Number.isInteger(bandRows) || bandRows < 1 || bandRows % s !== 0) {
      throw new InvalidArgumentError(`bandRows must be a positive multiple of ${s}, found ${String(bandRows)}`);
    }
  }

  /** {@inheritDoc LatentCodec.compress} */
  async compress(y: tf.Tensor4D, logGain?: Float64Array): Promise<LatentCompressed> {
    this.checkY(y);
    const [n, h, w] = y.shape;
    const checks = Array.from({ length: n }, () => new CheckRecorder());
    const parameters = await this.parameterPath();
    const { strings: zStrings, zHat } = await this.hyper.compress(y, checks);
    const values = await imageValues(y, logGain);
    const streams: Uint8Array[][] = [];
    const decoded: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const part = parameters(zHat[i]!, [h, w], logGain);
      const encoder = this.conditional.createEncoder();
      decoded.push(encodePart(encoder, values[i]!, part, checks[i]!));
      streams.push([encoder.finish(), zStrings[i]!]);
    }
    return { streams, yHat: latentTensor(decoded, [n, h, w, this.latentChannels]), checks: checks.map((c) => c.result()) };
  }

  /** {@inheritDoc LatentCodec.minStreamBits} */
  minStreamBits(size: readonly [number, number]): readonly number[] {
    return this.hyper.minPairBits(this.conditional, this.latentChannels, size);
  }

  /** {@inheritDoc LatentCodec.decompress} */
  async decompress(
    streams: readonly (readonly Uint8Array[])[],
    size: readonly [number, number],
    logGain?: Float64Array,
    checks?: readonly (LatentCheck | undefined)[],
  ): Promise<tf.Tensor4D> {
    if (size[0] % this.latentMultiple !== 0 || size[1] % this.latentMultiple !== 0) {
      throw new ShapeError(`latent height and width must be multiples of ${this.latentMultiple}, found ${size[0]}x${size[1]}`);
    }
    const parameters = await this.parameterPath();
    const { zHat, verifiers } = await this.hyper.decompressPairs(streams, size, checks, 'hyperprior latent codec');
    const decoded = streams.map((s, i) => {
      const part = parameters(zHat[i]!, size, logGain);
      const decoder = this.conditional.createDecoder(s[0]!);
      const values = decodePart(decoder, part, verifiers[i]!, 0);
      decoder.finish();
      verifiers[i]!.finish(1);
      return values;
    });
    return latentTensor(decoded, [streams.length, size[0], size[1], this.latentChannels]);
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
    const offsets = this.channelOffsets;
    if (!offsets) return;
    checkLatent(y, this.latentChannels);
    tf.tidy(() => {
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      const centre = this.mean ? mean : tf.zerosLike(mean);
      const spread = tf.sqrt(tf.add(this.mean ? variance : tf.mean(tf.square(y), [0, 1, 2]), 1e-6));
      const index = tf.clipByValue(
        tf.div(tf.sub(tf.log(tf.maximum(spread, Math.exp(this.scaleOffset))), this.scaleOffset), this.scaleFactor),
        0,
        this.numScales - 1,
      );
      offsets.index.assign(tf.div(tf.sub(index, this.indexOffset), this.offsetScale));
      if (offsets.loc) offsets.loc.assign(tf.div(centre, this.offsetScale));
      // h_s's mean output starts at unit spread: scale it to the channel's spread.
      if (offsets.locScale) offsets.locScale.assign(tf.div(spread, this.offsetScale));
    });
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
