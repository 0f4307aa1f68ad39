import { InvalidArgumentError, Module, ShapeError, exactExp, exactOf, roundHalfEven, type ExactFn, type ExactMap } from '@ncomp/core';
import type { ContinuousBatchedEntropyModel } from '@ncomp/entropy';
import type { CallableModule } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { ConditionalCodec, ExactConditional, ParamRows } from './conditional-codec.js';
import { checkLatent } from './factorized-latent-codec.js';
import { HyperLatent } from './hyper-latent.js';
import { CheckRecorder, digestInts, type LatentCheck } from './latent-check.js';
import type { BandedStreams, LatentCodec, LatentCompressed, LatentForward } from './latent-codec.js';
import { Pacer } from '../codec/pause.js';
import { DIGEST_SEED, exactReach, hyperRows, type LatentRowSink, type LatentRows } from './latent-rows.js';
import { imageValues, latentTensor } from './latent-values.js';

/** The parts of a {@link HyperConditionalCodec}. */
export interface HyperConditionalParts {
  /** h_a: y (or |y|) [N, h, w, M] -> z [N, h/s, w/s, hyperChannels]. */
  readonly hyperAnalysis: CallableModule;
  /** h_s: ẑ -> the y codec's parameters [N, h, w, y.paramChannels]. */
  readonly hyperSynthesis: CallableModule;
  /** The factorized entropy model of z. */
  readonly hyperBottleneck: ContinuousBatchedEntropyModel;
  /** Channels of z. */
  readonly hyperChannels: number;
  /** Downsampling factor s of h_a. */
  readonly hyperDownsampling: number;
  /** What h_a reads: y (default) or |y| (Ballé et al. 2018's scale hyperprior). */
  readonly hyperInput?: 'y' | 'abs';
  /**
   * What h_s sees in training: `noisy` (default, z + U(-1/2, 1/2)) or `rounded` (ẑ =
   * round(z) with a straight-through gradient). The rate of z always uses noise.
   */
  readonly hyperSynthesisInput?: 'noisy' | 'rounded';
  /**
   * How the banded path ({@link LatentCodec.compressRows}) evaluates h_a and h_s: `windows`
   * (default) on windows of y and ẑ grown by their measured reach, for transforms whose
   * output rows depend only on nearby input rows (convolutions); `whole` on the whole y and
   * ẑ once, for transforms that are not local in that sense (Swin's shifted windows: the
   * cyclic shift and the padding to whole windows depend on the map's size). `whole` is
   * for y codecs coded in bands ({@link ExactConditional.bands}), which keep y whole anyway.
   */
  readonly hyperBands?: 'windows' | 'whole';
  /** The y half, conditioned on h_s's output. */
  readonly y: ConditionalCodec;
  /** The codec's name, for messages. Default `latent codec`. */
  readonly name?: string;
}

/**
 * A hyperprior composed of codecs (CompressAI's `HyperpriorLatentCodec` with
 * `latent_codec={"hyper": …, "y": …}`): the z half ({@link HyperLatent}: h_a and a
 * factorized prior, ẑ rebuilt exactly) with h_s, and a y codec ({@link ConditionalCodec})
 * conditioned on h_s(ẑ). Streams per image: `y`, then `z`. {@link HyperpriorLatentCodec}
 * and {@link CharmLatentCodec} are this with their y codecs; a new context model is a new
 * `ConditionalCodec` given to the constructor.
 *
 * Built with parts, the modules are registered as `hyper_analysis`, `hyper_synthesis`, the
 * y codec's {@link ConditionalCodec.modules}, `hyper_bottleneck` and `conditional`; a
 * subclass with weights of its own (or another order) registers them itself and calls
 * {@link HyperConditionalCodec.compose}.
 *
 * @example
 * A mean-scale hyperprior on 4 channels, composed from its two halves:
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { ContinuousBatchedEntropyModel, NoisyDeepFactorized } from '@ncomp/entropy';
 * import { Conv2d, ConvTranspose2d, Sequential, relu } from '@ncomp/layers';
 * import { HyperConditionalCodec, MeanScaleConditional } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const [M, Z] = [4, 3];
 * const options = { stride: 2, padding: 'same_zeros' } as const;
 * const codec = new HyperConditionalCodec({
 *   hyperAnalysis: new Sequential([new Conv2d(M, Z, 3, options), relu, new Conv2d(Z, Z, 3, options)]),
 *   hyperSynthesis: new Sequential([new ConvTranspose2d(Z, Z, 3, options), relu, new ConvTranspose2d(Z, 2 * M, 3, options)]),
 *   hyperBottleneck: new ContinuousBatchedEntropyModel(new NoisyDeepFactorized({ batchShape: [Z], seed: 1 }), { codingRank: 3, compression: true }),
 *   hyperChannels: Z,
 *   hyperDownsampling: 4,
 *   y: new MeanScaleConditional({ latentChannels: M, mean: true, coder: 'rans', indexOffset: 24 }),
 * });
 * const y = tf.randomNormal([1, 8, 8, M], 0, 2, 'float32', 3) as tf.Tensor4D;
 * const { yHat, bits } = codec.forward(y, true);
 * codec.update();
 * const compressed = await codec.compress(y);
 * const decoded = await codec.decompress(compressed.streams, [8, 8], undefined, compressed.checks);
 * assert.deepEqual(await decoded.data(), await compressed.yHat.data());
 * tf.dispose([y, yHat, bits, compressed.yHat, decoded]);
 * codec.dispose();
 * ```
 */
export class HyperConditionalCodec extends Module implements LatentCodec {
  /** {@inheritDoc LatentCodec.streamNames} */
  readonly streamNames: readonly string[] = ['y', 'z'];
  private composed: Required<Omit<HyperConditionalParts, 'hyperInput'>> & { readonly hyper: HyperLatent } = undefined!;

  /**
   * @param parts - See {@link HyperConditionalParts}; a subclass that registers its modules
   *   itself passes none and calls {@link HyperConditionalCodec.compose}.
   */
  constructor(parts?: HyperConditionalParts) {
    super();
    if (!parts) return;
    this.addModule('hyper_analysis', parts.hyperAnalysis);
    this.addModule('hyper_synthesis', parts.hyperSynthesis);
    for (const [name, module] of Object.entries(parts.y.modules ?? {})) this.addModule(name, module);
    this.addModule('hyper_bottleneck', parts.hyperBottleneck);
    this.addModule('conditional', parts.y.conditional.model);
    this.compose(parts);
  }

  /**
   * Sets the parts (once, from a subclass's constructor, after registering the modules).
   * @throws InvalidArgumentError for bad sizes or options.
   */
  protected compose(parts: HyperConditionalParts): void {
    for (const [name, v] of [
      ['hyperChannels', parts.hyperChannels],
      ['hyperDownsampling', parts.hyperDownsampling],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be a positive integer, found ${String(v)}`);
    }
    const hyperSynthesisInput = parts.hyperSynthesisInput ?? 'noisy';
    if (hyperSynthesisInput !== 'rounded' && hyperSynthesisInput !== 'noisy') {
      throw new InvalidArgumentError(`hyperSynthesisInput must be "rounded" or "noisy", found "${String(parts.hyperSynthesisInput)}"`);
    }
    const hyper = new HyperLatent(parts.hyperAnalysis, parts.hyperBottleneck, parts.hyperChannels, parts.hyperDownsampling, parts.hyperInput ?? 'y');
    const hyperBands = parts.hyperBands ?? 'windows';
    if (hyperBands !== 'windows' && hyperBands !== 'whole') {
      throw new InvalidArgumentError(`hyperBands must be "windows" or "whole", found "${String(parts.hyperBands)}"`);
    }
    this.composed = { ...parts, hyperSynthesisInput, hyperBands, name: parts.name ?? 'latent codec', hyper };
  }

  /** {@inheritDoc LatentCodec.latentChannels} */
  get latentChannels(): number {
    return this.composed.y.latentChannels;
  }

  /** {@inheritDoc LatentCodec.latentMultiple} */
  get latentMultiple(): number {
    return this.composed.hyperDownsampling;
  }

  /** The z half (h_a and the factorized prior). */
  get hyper(): HyperLatent {
    return this.composed.hyper;
  }

  /** The y half. */
  get y(): ConditionalCodec {
    return this.composed.y;
  }

  /** h_a. */
  get hyperAnalysis(): CallableModule {
    return this.composed.hyperAnalysis;
  }

  /** h_s. */
  get hyperSynthesis(): CallableModule {
    return this.composed.hyperSynthesis;
  }

  /** Factorized entropy model of z. */
  get hyperBottleneck(): ContinuousBatchedEntropyModel {
    return this.composed.hyperBottleneck;
  }

  /** Channels of z. */
  get hyperChannels(): number {
    return this.composed.hyperChannels;
  }

  /** What h_s sees in training (see {@link HyperConditionalParts.hyperSynthesisInput}). */
  get hyperSynthesisInput(): 'noisy' | 'rounded' {
    return this.composed.hyperSynthesisInput;
  }

  /** Refuses a gain where the y codec is fixed-rate. */
  private checkGain(gain: unknown, what = ' (a codec with lambdas cannot use it)'): void {
    if (gain && !this.y.variableRate) throw new InvalidArgumentError(`${this.composed.name} is fixed-rate: it takes no gain${what}`);
  }

  private checkY(y: tf.Tensor4D): void {
    checkLatent(y, this.latentChannels);
    this.checkSize([y.shape[1], y.shape[2]]);
  }

  private checkSize(size: readonly [number, number]): void {
    const s = this.latentMultiple;
    if (size[0] % s !== 0 || size[1] % s !== 0 || size[0] < 1 || size[1] < 1) {
      throw new ShapeError(`latent height and width must be positive multiples of ${s}, found ${size[0]}x${size[1]}`);
    }
  }

  /** What h_s must give, for messages. */
  private get expected(): string {
    const d = this.y.paramsDescription;
    return `${this.y.paramChannels}${d ? ` (${d})` : ''}`;
  }

  /** {@inheritDoc LatentCodec.forward} */
  forward(y: tf.Tensor4D, training: boolean, gain?: tf.Tensor1D): LatentForward {
    this.checkGain(gain);
    this.checkY(y);
    return tf.tidy(() => {
      const bottleneck = this.hyperBottleneck;
      const z = this.hyper.analyse(y);
      const { values, bits: zBits } = bottleneck.call(z, training);
      const zHat = training && this.hyperSynthesisInput === 'rounded' ? bottleneck.quantize(z) : values;
      const params = this.hyperSynthesis.call(zHat) as tf.Tensor4D;
      const [n, h, w, c] = params.shape;
      if (h !== y.shape[1] || w !== y.shape[2] || c !== this.y.paramChannels) {
        throw new ShapeError(`hyperSynthesis must give [${n}, ${y.shape[1]}, ${y.shape[2]}, ${this.expected}], gave [${params.shape.join(', ')}]`);
      }
      const { yHat, bits } = this.y.forward(gain ? tf.mul(y, gain) : y, params, training, gain);
      return { yHat, bits: (bits.length === 1 ? tf.add(bits[0]!, zBits) : tf.addN([zBits, ...bits])) as tf.Tensor1D };
    });
  }

  /** h_s's twin and the y codec's deterministic coder; `params(ẑ, size)` checks h_s's output. */
  private async exactParts(
    logGain?: Float64Array,
  ): Promise<{ hs: ExactFn; coder: ExactConditional; params: (zHat: ExactMap, size: readonly [number, number]) => ExactMap }> {
    const hs = await exactOf('hyperSynthesis', this.hyperSynthesis);
    const coder = await this.y.exact(logGain);
    const params = (zHat: ExactMap, size: readonly [number, number]): ExactMap => {
      const out = hs(zHat);
      if (out.height !== size[0] || out.width !== size[1] || out.channels !== this.y.paramChannels) {
        throw new ShapeError(`hyperSynthesis must give ${size[0]}x${size[1]}x${this.expected}, gave ${out.height}x${out.width}x${out.channels}`);
      }
      return out;
    };
    return { hs, coder, params };
  }

  /** {@inheritDoc LatentCodec.compress} */
  async compress(y: tf.Tensor4D, logGain?: Float64Array): Promise<LatentCompressed> {
    this.checkGain(logGain);
    this.checkY(y);
    const [n, h, w] = y.shape;
    const checks = Array.from({ length: n }, () => new CheckRecorder());
    const { coder, params } = await this.exactParts(logGain);
    const { strings: zStrings, zHat } = await this.hyper.compress(y, checks);
    const values = await imageValues(y, logGain);
    const streams: Uint8Array[][] = [];
    const decoded = values.map((v, i) => {
      const encoder = this.y.conditional.createEncoder();
      const yHat = coder.encode(v, params(zHat[i]!, [h, w]), encoder, checks[i]!);
      streams.push([encoder.finish(), zStrings[i]!]);
      return yHat;
    });
    return { streams, yHat: latentTensor(decoded, [n, h, w, this.latentChannels]), checks: checks.map((c) => c.result()) };
  }

  /** {@inheritDoc LatentCodec.decompress} */
  async decompress(
    streams: readonly (readonly Uint8Array[])[],
    size: readonly [number, number],
    logGain?: Float64Array,
    checks?: readonly (LatentCheck | undefined)[],
  ): Promise<tf.Tensor4D> {
    this.checkGain(logGain, '');
    this.checkSize(size);
    const { coder, params } = await this.exactParts(logGain);
    const { zHat, verifiers } = await this.hyper.decompressPairs(streams, size, checks, this.composed.name);
    const decoded = streams.map((s, i) => {
      const decoder = this.y.conditional.createDecoder(s[0]!);
      const yHat = coder.decode(params(zHat[i]!, size), decoder, verifiers[i]!);
      // Every byte of y read exactly by the last part: a damaged or foreign stream is refused here at the latest.
      decoder.finish();
      verifiers[i]!.finish(this.y.parts);
      return yHat;
    });
    return latentTensor(decoded, [streams.length, size[0], size[1], this.latentChannels]);
  }

  /** {@inheritDoc LatentCodec.minStreamBits} */
  minStreamBits(size: readonly [number, number]): readonly number[] {
    return this.hyper.minPairBits(this.y.conditional.model, this.latentChannels, size);
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

  /** The banded path's parts: h_s's twin and the y codec's coder, which must code pointwise or in bands. */
  private async bandParts(
    logGain: Float64Array | undefined,
  ): Promise<{ hs: ExactFn; coder: ExactConditional; params: (zHat: ExactMap, size: readonly [number, number]) => ExactMap }> {
    const parts = await this.exactParts(logGain);
    if (!parts.coder.part && !parts.coder.bands) throw new InvalidArgumentError(`${this.composed.name}: its y codec cannot be coded band by band`);
    return parts;
  }

  /**
   * Rows of h_s(ẑ) for the banded path: from windows of ẑ grown by h_s's measured reach, or
   * (`hyperBands: 'whole'`) cut from h_s run once on the whole ẑ.
   */
  private paramRows(
    hs: ExactFn,
    params: (zHat: ExactMap, size: readonly [number, number]) => ExactMap,
    zHat: ExactMap,
    size: readonly [number, number],
    pacer: Pacer,
  ): ParamRows {
    const rows = (map: ExactMap, a: number, b: number): ExactMap => {
      const row = map.width * map.channels;
      return { height: b - a, width: map.width, channels: map.channels, data: map.data.subarray(a * row, b * row) };
    };
    if (this.composed.hyperBands === 'whole') {
      const all = params(zHat, size);
      return async (a, b) => {
        await pacer.tick();
        return rows(all, a, b);
      };
    }
    const s = this.latentMultiple;
    const reach = exactReach(hs, this.hyperChannels, s);
    return async (a, b) => {
      const a0 = Math.floor(a / s) * s;
      const window = await hyperRows(hs, zHat, s, reach, a0, Math.min(size[0], Math.ceil(b / s) * s), pacer);
      return rows(window, a - a0, b - a0);
    };
  }

  /** z coded from the rows of y (`values`, whole): h_a on windows or, with `hyperBands: 'whole'`, on the whole y. */
  private async hyperOf(
    y: LatentRows,
    values: Float32Array,
    check: CheckRecorder,
    bandRows: number,
    pacer: Pacer,
  ): Promise<{ string: Uint8Array; zHat: ExactMap }> {
    if (this.composed.hyperBands === 'windows') {
      // h_a's windows read the rows already in memory: g_a runs once.
      const row = y.width * this.latentChannels;
      const kept = { height: y.height, width: y.width, read: (r0: number, r1: number) => Promise.resolve(values.subarray(r0 * row, r1 * row)) };
      return this.hyper.compressRows(kept, check, bandRows, this.latentChannels, pacer);
    }
    const whole = tf.tensor4d(values, [1, y.height, y.width, this.latentChannels]);
    try {
      const { strings, zHat } = await this.hyper.compress(whole, [check]);
      return { string: strings[0]!, zHat: zHat[0]! };
    } finally {
      whole.dispose();
    }
  }

  /**
   * {@link LatentCodec.compressRows} for a y codec of several convolutional parts
   * ({@link ExactConditional.bands}): ẑ from the bands of y, y kept (the stream's order
   * reads every part of it in turn), the parts coded band by band by the y codec.
   */
  private async compressSliceBands(y: LatentRows, logGain: Float64Array | undefined, bandRows: number, pacer: Pacer): Promise<BandedStreams> {
    if (logGain) throw new InvalidArgumentError(`${this.composed.name}: the banded path of a codec of several parts takes no gain`);
    const check = new CheckRecorder();
    const { hs, coder, params } = await this.bandParts(logGain);
    const size = [y.height, y.width] as const;
    const row = y.width * this.latentChannels;
    const values = new Float32Array(y.height * row);
    for (let r0 = 0; r0 < y.height; r0 += bandRows) {
      values.set(await y.read(r0, Math.min(y.height, r0 + bandRows)), r0 * row);
      await pacer.tick();
    }
    const { string, zHat } = await this.hyperOf(y, values, check, bandRows, pacer);
    const encoder = this.y.conditional.createEncoder();
    await coder.bands!.encode(values, size, this.paramRows(hs, params, zHat, size, pacer), bandRows, encoder, check);
    return { streams: [encoder.finish(), string], check: check.result() };
  }

  /**
   * {@link LatentCodec.compressRows} for a pointwise y codec ({@link ExactConditional.part}):
   * ẑ from the bands of y, then each band's tables and means from h_s's twin on the rows
   * of ẑ it depends on, its symbols pushed into the one y stream. A y codec coded in bands
   * ({@link ExactConditional.bands}) codes its parts itself.
   */
  protected async compressBands(y: LatentRows, logGain: Float64Array | undefined, bandRows: number, signal?: AbortSignal): Promise<BandedStreams> {
    this.checkBand(y.height, y.width, bandRows);
    const pacer = new Pacer(signal);
    const { hs, coder } = await this.bandParts(logGain);
    if (!coder.part) return this.compressSliceBands(y, logGain, bandRows, pacer);
    if (this.composed.hyperBands === 'whole') throw new InvalidArgumentError(`${this.composed.name}: hyperBands 'whole' is for y codecs coded in bands`);
    const partOf = coder.part;
    const check = new CheckRecorder();
    const { string, zHat } = await this.hyper.compressRows(y, check, bandRows, this.latentChannels, pacer);
    const reach = exactReach(hs, this.hyperChannels, this.latentMultiple);
    const m = this.latentChannels;
    const rowLength = y.width * m;
    const gains = logGain ? Array.from(logGain, (g) => exactExp(g)) : undefined;
    const encoder = this.y.conditional.createEncoder();
    let indexDigest = DIGEST_SEED;
    let symbolDigest = DIGEST_SEED;
    for (let r0 = 0; r0 < y.height; r0 += bandRows) {
      const r1 = Math.min(y.height, r0 + bandRows);
      const part = partOf(await hyperRows(hs, zHat, this.latentMultiple, reach, r0, r1, pacer));
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

  /** {@link LatentCodec.decompressRows} for a pointwise or banded y codec, the inverse of {@link HyperConditionalCodec.compressBands}. */
  protected async decompressBands(
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
    const { hs, coder, params } = await this.bandParts(logGain);
    const { zHat, verifiers } = await this.hyper.decompressPairs([streams], size, [check], this.composed.name);
    const verifier = verifiers[0]!;
    if (!coder.part) {
      if (logGain) throw new InvalidArgumentError(`${this.composed.name}: the banded path of a codec of several parts takes no gain`);
      const decoder = this.y.conditional.createDecoder(streams[0]!);
      await coder.bands!.decode(size, this.paramRows(hs, params, zHat[0]!, size, pacer), bandRows, decoder, verifier, sink);
      // Every byte of y read exactly by the last part: a damaged or foreign stream is refused here at the latest.
      decoder.finish();
      verifier.finish(this.y.parts);
      return;
    }
    const toPart = coder.part;
    const reach = exactReach(hs, this.hyperChannels, this.latentMultiple);
    const s = this.latentMultiple;
    const partOf = async (r0: number): Promise<ReturnType<typeof toPart>> =>
      toPart(await hyperRows(hs, zHat[0]!, s, reach, r0, Math.min(size[0], r0 + bandRows), pacer));
    const rowLength = size[1] * this.latentChannels;
    const decoder = this.y.conditional.createDecoder(streams[0]!);
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

  /** {@inheritDoc LatentCodec.update} */
  update(): void {
    this.hyperBottleneck.updateTables();
  }

  /** {@inheritDoc LatentCodec.updateAsync} */
  async updateAsync(): Promise<void> {
    await this.hyperBottleneck.updateTablesAsync();
  }
}
