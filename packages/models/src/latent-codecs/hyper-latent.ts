import { ShapeError, exactMap, type ExactMap } from '@ncomp/core';
import type { ContinuousBatchedEntropyModel } from '@ncomp/entropy';
import type { CallableModule } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { Pacer } from '../codec/pause.js';
import { probeReach } from '../codec/tiling.js';
import { CheckVerifier, type CheckRecorder, type LatentCheck } from './latent-check.js';
import type { LatentRows } from './latent-rows.js';
import { minBitsAnyTable, minBitsPerChannel, type HasMinCodeLengths } from './stream-bounds.js';

/** What {@link HyperLatent.compress} gives. */
export interface CodedHyperLatent {
  /** One z stream per image. */
  readonly strings: Uint8Array[];
  /** ẑ per image, as the decoder rebuilds it. */
  readonly zHat: ExactMap[];
}

/** What {@link HyperLatent.compressRows} gives. */
export interface CodedHyperRows {
  /** The image's z stream. */
  readonly string: Uint8Array;
  /** ẑ, as the decoder rebuilds it. */
  readonly zHat: ExactMap;
}

/** What {@link HyperLatent.decompressPairs} gives. */
export interface DecodedPairs {
  /** ẑ per image, rebuilt and verified. */
  readonly zHat: ExactMap[];
  /** Per image, the verifier that checks the y half against the encoder's digests. */
  readonly verifiers: CheckVerifier[];
}

/**
 * The hyper-latent half of a hyperprior, shared by {@link HyperpriorLatentCodec} and
 * {@link CharmLatentCodec} (CompressAI's `HyperLatentCodec`): z = h_a(y) coded with a
 * factorized prior, and ẑ = symbols + quantization offset rebuilt as float64 maps
 * identically by encoder and decoder, for the deterministic entropy-parameter path. The
 * modules stay registered by the owning codec (their state-dict names are its own).
 *
 * @example
 * The z half on its own, as a new latent codec would use it: code z = h_a(y), rebuild ẑ
 * on the decoder's side and check it against the encoder's digests.
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { ContinuousBatchedEntropyModel, NoisyDeepFactorized } from '@ncomp/entropy';
 * import { Conv2d, Sequential } from '@ncomp/layers';
 * import { CheckRecorder, CheckVerifier, HyperLatent } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const hyperAnalysis = new Sequential([new Conv2d(4, 2, 4, { stride: 4, padding: 'valid' })]);
 * const prior = new NoisyDeepFactorized({ batchShape: [2], seed: 1 });
 * const bottleneck = new ContinuousBatchedEntropyModel(prior, { codingRank: 3, compression: true });
 * const hyper = new HyperLatent(hyperAnalysis, bottleneck, 2, 4);
 *
 * const y = tf.randomNormal([2, 8, 8, 4], 0, 3, 'float32', 1) as tf.Tensor4D; // two images' latents
 * const recorders = [new CheckRecorder(), new CheckRecorder()];
 * const { strings, zHat } = await hyper.compress(y, recorders); // one z stream per image
 * assert.deepEqual(hyper.sizeFor([8, 8]), [2, 2]);
 *
 * const verifiers = recorders.map((r) => new CheckVerifier(r.result()));
 * const decoded = await hyper.decompress(strings, [8, 8], verifiers); // ẑ as float64 maps
 * decoded.forEach((map, i) => assert.deepEqual(map.data, zHat[i]!.data));
 * y.dispose();
 * hyperAnalysis.dispose();
 * bottleneck.dispose();
 * ```
 */
export class HyperLatent {
  /**
   * @param hyperAnalysis - h_a.
   * @param bottleneck - The factorized entropy model of z.
   * @param channels - Channels of z.
   * @param downsampling - Spatial factor of h_a.
   * @param input - What h_a reads: y itself or |y| (Ballé et al. 2018's scale hyperprior).
   */
  constructor(
    readonly hyperAnalysis: CallableModule,
    readonly bottleneck: ContinuousBatchedEntropyModel,
    readonly channels: number,
    readonly downsampling: number,
    readonly input: 'y' | 'abs' = 'y',
  ) {}

  /** z = h_a(y or |y|). */
  analyse(y: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.hyperAnalysis.call(this.input === 'abs' ? tf.abs(y) : y) as tf.Tensor4D);
  }

  /** The hyper-latent's size for a latent of `size`. */
  sizeFor(size: readonly [number, number]): [number, number] {
    return [size[0] / this.downsampling, size[1] / this.downsampling];
  }

  /**
   * Codes z = h_a(y) and returns its strings with ẑ exactly as {@link HyperLatent.decompress}
   * rebuilds it (one map per image); records the symbols' digests in `checks`.
   */
  async compress(y: tf.Tensor4D, checks: readonly CheckRecorder[]): Promise<CodedHyperLatent> {
    const z = this.analyse(y);
    let strings: Uint8Array[];
    try {
      strings = await this.bottleneck.compress(z);
    } finally {
      z.dispose();
    }
    const { zHat, symbols } = await this.rebuild(strings, this.sizeFor([y.shape[1], y.shape[2]]));
    symbols.forEach((s, i) => checks[i]!.hyper(s));
    return { strings, zHat };
  }

  /**
   * {@link HyperLatent.compress} of one image whose latent is read in bands: z = h_a(y) is
   * computed `bandRows / downsampling` rows at a time from the rows of y they depend on (h_a's
   * reach, measured once, plus one row of z on each side), so that y never exists whole.
   * The z of each band equals the whole map's up to the backend's summation order (the
   * same convolution on a window that starts on the grid of h_a's strides). `pacer` is
   * ticked after each band.
   */
  async compressRows(y: LatentRows, check: CheckRecorder, bandRows: number, latentChannels: number, pacer?: Pacer): Promise<CodedHyperRows> {
    const s = this.downsampling;
    const [zh, zw] = this.sizeFor([y.height, y.width]);
    this.reach ??= (await probeReach((t) => this.analyse(t), s, 1, latentChannels, 16)) + 1;
    const reach = this.reach;
    const band = Math.max(1, Math.floor(bandRows / s));
    const C = this.channels;
    const z = new Float32Array(zh * zw * C);
    for (let zr0 = 0; zr0 < zh; zr0 += band) {
      const zr1 = Math.min(zh, zr0 + band);
      const w0 = Math.max(0, zr0 - reach);
      const w1 = Math.min(zh, zr1 + reach);
      const rows = await y.read(w0 * s, w1 * s);
      const own = tf.tidy(() => {
        const window = tf.tensor4d(rows, [1, (w1 - w0) * s, y.width, latentChannels]);
        return tf.slice(this.analyse(window), [0, zr0 - w0, 0, 0], [1, zr1 - zr0, zw, C]);
      });
      try {
        z.set((await own.data()) as Float32Array, zr0 * zw * C);
      } finally {
        own.dispose();
      }
      await pacer?.tick();
    }
    const zt = tf.tensor4d(z, [1, zh, zw, C]);
    let strings: Uint8Array[];
    try {
      strings = await this.bottleneck.compress(zt);
    } finally {
      zt.dispose();
    }
    const { zHat, symbols } = await this.rebuild(strings, [zh, zw]);
    check.hyper(symbols[0]!);
    return { string: strings[0]!, zHat: zHat[0]! };
  }

  private reach: number | undefined;

  /**
   * ẑ per image from the strings of `compress`, verified against the encoder's digests.
   * @throws CorruptStreamError for strings that do not decode or decode to other symbols.
   */
  async decompress(strings: readonly Uint8Array[], size: readonly [number, number], verifiers: readonly CheckVerifier[]): Promise<ExactMap[]> {
    const { zHat, symbols } = await this.rebuild(strings, this.sizeFor(size));
    symbols.forEach((s, i) => verifiers[i]!.hyper(s));
    return zHat;
  }

  /**
   * The z half of decoding images coded as `[y, z]` stream pairs (the hyperprior and ChARM
   * codecs): checks that every image has both, makes each image's {@link CheckVerifier},
   * and rebuilds and verifies ẑ.
   * @param owner - The codec, for messages.
   * @throws ShapeError for an image without exactly two streams; CorruptStreamError as
   *   {@link HyperLatent.decompress}.
   */
  async decompressPairs(
    streams: readonly (readonly Uint8Array[])[],
    size: readonly [number, number],
    checks: readonly (LatentCheck | undefined)[] | undefined,
    owner: string,
  ): Promise<DecodedPairs> {
    streams.forEach((s, i) => {
      if (s.length !== 2) throw new ShapeError(`${owner}: image ${i} has ${s.length} streams, expected 2 (y, z)`);
    });
    const verifiers = streams.map((_, i) => new CheckVerifier(checks?.[i]));
    const zHat = await this.decompress(
      streams.map((s) => s[1]!),
      size,
      verifiers,
    );
    return { zHat, verifiers };
  }

  /**
   * Lower bounds, in bits, of the `[y, z]` streams of a latent of `size` and
   * `latentChannels`: y under the cheapest of `conditional`'s tables, z under its factorized
   * prior (see {@link LatentCodec.minStreamBits}).
   */
  minPairBits(conditional: HasMinCodeLengths, latentChannels: number, size: readonly [number, number]): number[] {
    const [h, w] = size;
    const s = this.downsampling;
    return [minBitsAnyTable(conditional, h * w * latentChannels), minBitsPerChannel(this.bottleneck, (h / s) * (w / s))];
  }

  private async rebuild(strings: readonly Uint8Array[], [h, w]: [number, number]): Promise<{ zHat: ExactMap[]; symbols: Int32Array[] }> {
    if (!Number.isInteger(h) || !Number.isInteger(w)) throw new ShapeError(`the latent's size must be a multiple of ${this.downsampling}`);
    const all = this.bottleneck.decodeSymbols(strings, [h, w]);
    const offsets = await this.bottleneck.quantizationOffsets();
    const c = this.channels;
    const unit = h * w * c;
    const symbols: Int32Array[] = [];
    const zHat: ExactMap[] = [];
    for (let u = 0; u < strings.length; u++) {
      const s = all.subarray(u * unit, (u + 1) * unit);
      const data = new Float64Array(unit);
      for (let k = 0; k < unit; k++) data[k] = s[k]! + offsets[k % c]!;
      symbols.push(s);
      zHat.push(exactMap(h, w, c, data));
    }
    return { zHat, symbols };
  }
}
