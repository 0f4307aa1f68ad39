import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core';
import type { IncrementalDecoder, IncrementalEncoder } from '../coding/coder.js';
import type { Distribution } from '../distributions/distribution.js';
import { NoisyLaplace, NoisyLogistic, NoisyNormal } from '../distributions/uniform-noise-adapter.js';
import type { EntropyModelOutput } from './continuous-batched.js';
import { ContinuousIndexedEntropyModel } from './continuous-indexed.js';
import type { EntropyModelOptions } from './entropy-model-base.js';

/** A location-scale family: a name, or a factory of the noisy prior from (loc, scale). */
export type LocationScaleFamily = 'normal' | 'logistic' | 'laplace' | ((loc: tf.Tensor | number, scale: tf.Tensor) => Distribution);

/** Options of {@link LocationScaleIndexedEntropyModel}. */
export interface LocationScaleOptions extends EntropyModelOptions {
  /** The prior family (noisy, i.e. convolved with U(-1/2, 1/2)). Default `normal`. */
  readonly family?: LocationScaleFamily;
  /** Number of scales: scale indexes take values 0 .. numScales - 1. */
  readonly numScales: number;
  /** Maps (float) scale indexes to scales, e.g. `i => exp(log(0.11) + i * step)`. */
  readonly scaleFn: (indexes: tf.Tensor) => tf.Tensor;
}

/**
 * Indexed entropy model for a location-scale family (TFC's
 * `LocationScaleIndexedEntropyModel`), the conditional model of hyperprior codecs
 * (Ballé et al. 2018; Minnen et al. 2018): element j is distributed as
 * `family(loc[j], scaleFn(scaleIndexes[j])) + U(-1/2, 1/2)`. Tables are built for
 * `loc = 0`; `x - loc` is quantized and coded, so reconstructions are
 * `round(x - loc) + loc`.
 *
 * @example
 * The conditional model of a mean-scale hyperprior (Minnen et al. 2018): the hyper-synthesis
 * predicts a mean and a scale index for every latent element.
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { LocationScaleIndexedEntropyModel } from '@ncomp/entropy';
 *
 * await setBackend('auto');
 * // 64 scales, geometrically from 0.11 to 256 (TFC's default scale table).
 * const step = Math.log(256 / 0.11) / 63;
 * const em = new LocationScaleIndexedEntropyModel({
 *   numScales: 64,
 *   scaleFn: (i) => tf.exp(tf.add(Math.log(0.11), tf.mul(i, step))),
 *   codingRank: 3,
 * });
 * const latent = tf.randomNormal([1, 4, 4, 8], 0, 2);
 * const mean = tf.zerosLike(latent);
 * const scaleIndexes = tf.fill(latent.shape, 20); // scale 0.11 * exp(20 step), about 1.8
 *
 * const { values, bits } = em.callWithLoc(latent, scaleIndexes, mean, true);
 * assert.deepEqual(bits.shape, [1]);
 * // A well-matched scale codes the same values in fewer bits than a far too wide one.
 * const widest = tf.fill(latent.shape, 63);
 * const wide = em.callWithLoc(latent, widest, mean, true);
 * assert.ok((await bits.data())[0]! < (await wide.bits.data())[0]!);
 * tf.dispose([latent, mean, scaleIndexes, widest, values, bits, wide.values, wide.bits]);
 * em.dispose();
 * ```
 */
export class LocationScaleIndexedEntropyModel extends ContinuousIndexedEntropyModel {
  /** {@inheritDoc LocationScaleOptions.numScales} */
  readonly numScales: number;

  /** @param options - See {@link LocationScaleOptions}. */
  constructor(options: LocationScaleOptions) {
    const family = options.family ?? 'normal';
    const make = familyFactory(family);
    super({
      ...options,
      indexRange: options.numScales,
      priorFn: (p) => make(0, p['scale']!),
      parameterFns: { scale: options.scaleFn },
    });
    this.numScales = options.numScales;
  }

  /**
   * Perturbs or quantizes `x` around `loc` and estimates its bits (TFC's `__call__`).
   * @param x - Values, at least `codingRank` axes.
   * @param scaleIndexes - Same shape as `x`.
   * @param loc - Locations (broadcastable to `x`); default 0.
   * @param training - Noise (true) or quantization (false).
   */
  callWithLoc(x: tf.Tensor, scaleIndexes: tf.Tensor, loc?: tf.Tensor, training = true): EntropyModelOutput {
    return tf.tidy(() => {
      const centred = loc ? tf.sub(x, loc) : x;
      const { values, bits } = this.call(centred, scaleIndexes, training);
      return { values: loc ? tf.add(values, loc) : values, bits };
    });
  }

  /** `round(x - loc) + loc` (straight-through). */
  quantizeWithLoc(x: tf.Tensor, scaleIndexes: tf.Tensor, loc?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const q = this.quantize(loc ? tf.sub(x, loc) : x, scaleIndexes);
      return loc ? tf.add(q, loc) : q;
    });
  }

  /** Compresses `x - loc` to one byte string per coding unit. */
  async compressWithLoc(x: tf.Tensor, scaleIndexes: tf.Tensor, loc?: tf.Tensor): Promise<Uint8Array[]> {
    const centred = loc ? tf.sub(x, loc) : x;
    try {
      return await this.compress(centred, scaleIndexes);
    } finally {
      if (centred !== x) centred.dispose();
    }
  }

  /** Decompresses and adds `loc` back. */
  async decompressWithLoc(strings: readonly Uint8Array[], scaleIndexes: tf.Tensor, loc?: tf.Tensor): Promise<tf.Tensor> {
    const values = await this.decompress(strings, scaleIndexes);
    if (!loc) return values;
    try {
      return tf.add(values, loc);
    } finally {
      values.dispose();
    }
  }

  /**
   * Appends `x - loc` to incremental streams, one per coding unit (see {@link
   * ContinuousIndexedEntropyModel.compressIncremental}).
   * @returns The quantized `x` (`round(x - loc) + loc`, offsets included) exactly as
   *   {@link LocationScaleIndexedEntropyModel.decompressIncrementalWithLoc} will
   *   reconstruct it (a new tensor).
   */
  async compressIncrementalWithLoc(encoders: readonly IncrementalEncoder[], x: tf.Tensor, scaleIndexes: tf.Tensor, loc?: tf.Tensor): Promise<tf.Tensor> {
    const centred = loc ? tf.sub(x, loc) : x;
    try {
      return this.addLoc(await this.compressIncremental(encoders, centred, scaleIndexes), loc);
    } finally {
      if (centred !== x) centred.dispose();
    }
  }

  /** Reads the next values of incremental streams and adds `loc` back (the inverse of one {@link LocationScaleIndexedEntropyModel.compressIncrementalWithLoc} call). */
  async decompressIncrementalWithLoc(decoders: readonly IncrementalDecoder[], scaleIndexes: tf.Tensor, loc?: tf.Tensor): Promise<tf.Tensor> {
    return this.addLoc(await this.decompressIncremental(decoders, scaleIndexes), loc);
  }

  private addLoc(values: tf.Tensor, loc: tf.Tensor | undefined): tf.Tensor {
    if (!loc) return values;
    try {
      return tf.add(values, loc);
    } finally {
      values.dispose();
    }
  }
}

function familyFactory(family: LocationScaleFamily): (loc: tf.Tensor | number, scale: tf.Tensor) => Distribution {
  if (typeof family === 'function') return family;
  if (family === 'normal') return (loc, scale) => new NoisyNormal(loc, scale);
  if (family === 'logistic') return (loc, scale) => new NoisyLogistic(loc, scale);
  if (family === 'laplace') return (loc, scale) => new NoisyLaplace(loc, scale);
  throw new InvalidArgumentError(`family must be 'normal', 'logistic', 'laplace' or a factory, found ${String(family)}`);
}
