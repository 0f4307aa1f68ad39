import { InvalidArgumentError, Module, ShapeError, exactExp, roundHalfEven } from '@ncomp/core';
import { Pacer } from '../codec/pause.js';
import { CheckVerifier, digestInts, type LatentCheck } from './latent-check.js';
import { DIGEST_SEED, type LatentRowSink, type LatentRows } from './latent-rows.js';
import { imageValues, latentTensor } from './latent-values.js';
import { ContinuousBatchedEntropyModel, NoisyDeepFactorized, type CoderName } from '@ncomp/entropy';
import * as tf from '@tensorflow/tfjs-core';
import type { BandedStreams, LatentCodec, LatentCompressed, LatentForward } from './latent-codec.js';
import { minBitsPerChannel } from './stream-bounds.js';

/** Options of {@link FactorizedLatentCodec}. */
export interface FactorizedLatentCodecOptions {
  /** Channels of the latent. */
  readonly channels: number;
  /** Entropy coder; default `rans`. */
  readonly coder?: CoderName;
  /** Seed of the prior's initialisation. */
  readonly seed?: number;
}

/**
 * The factorized prior (Ballé, Laparra & Simoncelli 2017; TFC's "entropy bottleneck"):
 * each channel of the latent has its own learned density ({@link NoisyDeepFactorized}),
 * shared over all positions. One stream per image.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { FactorizedLatentCodec } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const codec = new FactorizedLatentCodec({ channels: 4, seed: 1 });
 * const y = tf.randomNormal([2, 3, 5, 4], 0, 2, 'float32', 7) as tf.Tensor4D; // two latents, 3x5x4 each
 *
 * const training = codec.forward(y, true); // y + U(-1/2, 1/2) and a differentiable rate
 * const evaluation = codec.forward(y, false); // rounded y and its information content
 * assert.deepEqual(evaluation.bits.shape, [2]); // bits per image
 *
 * codec.update(); // integer tables from the current (here untrained) priors
 * const { streams, yHat, checks } = await codec.compress(y);
 * assert.equal(streams.length, 2); // per image, one stream per name in codec.streamNames
 * assert.deepEqual(codec.streamNames, ['y']);
 * const decoded = await codec.decompress(streams, [3, 5], undefined, checks);
 * assert.deepEqual(await decoded.data(), await yHat.data()); // exactly what compress quantized
 * tf.dispose([y, training.yHat, training.bits, evaluation.yHat, evaluation.bits, yHat, decoded]);
 * codec.dispose();
 * ```
 */
export class FactorizedLatentCodec extends Module implements LatentCodec {
  /** {@inheritDoc LatentCodec.latentChannels} */
  readonly latentChannels: number;
  /** {@inheritDoc LatentCodec.latentMultiple} */
  readonly latentMultiple = 1;
  /** {@inheritDoc LatentCodec.streamNames} */
  readonly streamNames: readonly string[] = ['y'];
  /** The entropy model of the latent (with integer tables). */
  readonly bottleneck: ContinuousBatchedEntropyModel;

  /** @param options - See {@link FactorizedLatentCodecOptions}. */
  constructor(options: FactorizedLatentCodecOptions) {
    super();
    if (!Number.isInteger(options.channels) || options.channels < 1) {
      throw new InvalidArgumentError(`channels must be a positive integer, found ${String(options.channels)}`);
    }
    this.latentChannels = options.channels;
    const prior = new NoisyDeepFactorized(
      options.seed === undefined ? { batchShape: [options.channels] } : { batchShape: [options.channels], seed: options.seed },
    );
    this.bottleneck = this.addModule(
      'bottleneck',
      new ContinuousBatchedEntropyModel(prior, { codingRank: 3, compression: true, coder: options.coder ?? 'rans' }),
    );
  }

  /** {@inheritDoc LatentCodec.forward} */
  forward(y: tf.Tensor4D, training: boolean, gain?: tf.Tensor1D): LatentForward {
    checkLatent(y, this.latentChannels);
    return tf.tidy(() => {
      const { values, bits } = this.bottleneck.call(gain ? tf.mul(y, gain) : y, training);
      return { yHat: values as tf.Tensor4D, bits: bits as tf.Tensor1D };
    });
  }

  /** {@inheritDoc LatentCodec.compress} */
  async compress(y: tf.Tensor4D, logGain?: Float64Array): Promise<LatentCompressed> {
    checkLatent(y, this.latentChannels);
    const [n, h, w, c] = y.shape;
    const values = await imageValues(y, logGain);
    const offsets = await this.bottleneck.quantizationOffsets();
    const checks: LatentCheck[] = [];
    const symbols = new Int32Array(n * h * w * c);
    const decoded = values.map((v, i) => {
      const out = new Float64Array(v.length);
      const s = symbols.subarray(i * v.length, (i + 1) * v.length);
      for (let k = 0; k < v.length; k++) {
        s[k] = roundHalfEven(v[k]! - offsets[k % c]!);
        out[k] = s[k]! + offsets[k % c]!;
      }
      checks.push({ parts: [{ indexes: 0, symbols: digestInts(s) }] });
      return out;
    });
    const quantized = latentTensor(decoded, [n, h, w, c]);
    let strings: Uint8Array[];
    try {
      strings = await this.bottleneck.compress(quantized);
    } finally {
      quantized.dispose();
    }
    return { streams: strings.map((s) => [s]), yHat: latentTensor(decoded, [n, h, w, c]), checks };
  }

  /**
   * {@link LatentCodec.compressRows}: one image whose latent is read a band of rows at a
   * time. Each symbol is coded with its channel's table, as `compress` codes the whole
   * latent, so the stream and check are the same, whatever `bandRows`.
   * @param bandRows - Latent rows per band, a positive multiple of {@link LatentCodec.latentMultiple}.
   * @param signal - Stops the work (the call throws its reason).
   */
  async compressRows(y: LatentRows, logGain: Float64Array | undefined, bandRows: number, signal?: AbortSignal): Promise<BandedStreams> {
    checkBandRows(y.height, y.width, bandRows);
    const c = this.latentChannels;
    const pacer = new Pacer(signal);
    const offsets = await this.bottleneck.quantizationOffsets();
    const gains = logGain ? Array.from(logGain, (g) => exactExp(g)) : undefined;
    const rowLength = y.width * c;
    const encoder = this.bottleneck.createEncoder();
    let digest = DIGEST_SEED;
    for (let r0 = 0; r0 < y.height; r0 += bandRows) {
      const rows = await y.read(r0, Math.min(y.height, r0 + bandRows));
      const symbols = new Int32Array(rows.length);
      for (let i0 = 0; i0 < rows.length; i0 += rowLength) {
        // As imageValues and compress: the float32 latent times the float64 gain, minus the offset.
        for (let i = i0; i < i0 + rowLength; i++) {
          const k = i % c;
          const s = roundHalfEven((gains ? rows[i]! * gains[k]! : rows[i]!) - offsets[k]!);
          symbols[i] = s;
          encoder.encode(s, k);
        }
        await pacer.tick();
      }
      digest = digestInts(symbols, digest);
    }
    return { streams: [encoder.finish()], check: { parts: [{ indexes: 0, symbols: digest }] } };
  }

  /** {@inheritDoc LatentCodec.decompressRows} */
  async decompressRows(
    streams: readonly Uint8Array[],
    size: readonly [number, number],
    _logGain: Float64Array | undefined,
    check: LatentCheck | undefined,
    bandRows: number,
    sink: LatentRowSink,
    signal?: AbortSignal,
  ): Promise<void> {
    checkBandRows(size[0], size[1], bandRows);
    if (streams.length !== 1) throw new ShapeError(`factorized latent codec: the image has ${streams.length} streams, expected 1 (y)`);
    const c = this.latentChannels;
    const pacer = new Pacer(signal);
    const offsets = await this.bottleneck.quantizationOffsets();
    const rowLength = size[1] * c;
    const decoder = this.bottleneck.createDecoder(streams[0]!);
    const verifier = new CheckVerifier(check);
    let digest = DIGEST_SEED;
    for (let r0 = 0; r0 < size[0]; r0 += bandRows) {
      const n = (Math.min(size[0], r0 + bandRows) - r0) * rowLength;
      const symbols = new Int32Array(n);
      const rows = new Float32Array(n);
      for (let i0 = 0; i0 < n; i0 += rowLength) {
        for (let i = i0; i < i0 + rowLength; i++) {
          const k = i % c;
          const s = decoder.decode(k);
          symbols[i] = s;
          rows[i] = s + offsets[k]!;
        }
        await pacer.tick();
      }
      digest = digestInts(symbols, digest);
      await sink(r0, rows);
    }
    decoder.finish();
    verifier.symbolsDigest(0, digest);
  }

  /** {@inheritDoc LatentCodec.minStreamBits} */
  minStreamBits(size: readonly [number, number]): readonly number[] {
    return [minBitsPerChannel(this.bottleneck, size[0] * size[1])];
  }

  /** {@inheritDoc LatentCodec.decompress} */
  async decompress(
    streams: readonly (readonly Uint8Array[])[],
    size: readonly [number, number],
    _logGain?: Float64Array,
    checks?: readonly (LatentCheck | undefined)[],
  ): Promise<tf.Tensor4D> {
    // The gain does not change how the (gained) latent is coded with a factorized prior.
    const strings = streams.map((s, i) => {
      if (s.length !== 1) throw new ShapeError(`factorized latent codec: image ${i} has ${s.length} streams, expected 1 (y)`);
      return s[0]!;
    });
    const c = this.latentChannels;
    const unit = size[0] * size[1] * c;
    const symbols = this.bottleneck.decodeSymbols(strings, [size[0], size[1]]);
    const offsets = await this.bottleneck.quantizationOffsets();
    const decoded = strings.map((_, i) => {
      const s = symbols.subarray(i * unit, (i + 1) * unit);
      new CheckVerifier(checks?.[i]).symbols(0, s);
      const out = new Float64Array(unit);
      for (let k = 0; k < unit; k++) out[k] = s[k]! + offsets[k % c]!;
      return out;
    });
    return latentTensor(decoded, [strings.length, size[0], size[1], c]);
  }

  /** {@inheritDoc LatentCodec.update} */
  update(): void {
    this.bottleneck.updateTables();
  }

  /** {@inheritDoc LatentCodec.updateAsync} */
  async updateAsync(): Promise<void> {
    await this.bottleneck.updateTablesAsync();
  }
}

/** Checks a latent size and band height of a banded path (latent multiple 1). */
function checkBandRows(h: number, w: number, bandRows: number): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new ShapeError(`latent height and width must be positive integers, found ${h}x${w}`);
  }
  if (!Number.isInteger(bandRows) || bandRows < 1) throw new InvalidArgumentError(`bandRows must be a positive integer, found ${String(bandRows)}`);
}

/** Throws ShapeError unless `y` is [N, h, w, channels]. */
export function checkLatent(y: tf.Tensor, channels: number): void {
  if (y.rank !== 4 || y.shape[3] !== channels) {
    throw new ShapeError(`latent must be [N, h, w, ${channels}], found [${y.shape.join(', ')}]`);
  }
}
