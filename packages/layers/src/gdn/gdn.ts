import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module } from '@ncomp/core';
import { checkChannelsLast, checkInteger, checkPositive } from '../internal/checks.js';
import { GDN_REPARAM_OFFSET, nonnegativeParameterInit, nonnegativeParameterValue } from './nonnegative-parameter.js';

/**
 * Which GDN nonlinearity:
 * - `'classic'`: y_i = x_i / sqrt(beta_i + sum_j gamma[j, i] x_j^2) (Ballé et al. 2016;
 *   CompressAI `GDN`, TFC 1.x `GDN`, TFC 2.x `GDN(alpha_parameter=2, epsilon_parameter=.5)`);
 * - `'simplified'`: y_i = x_i / (beta_i + sum_j gamma[j, i] |x_j|) (Johnston et al. 2019,
 *   "Computationally efficient neural image compression"; the default of TFC 2.x `GDN`,
 *   CompressAI `GDN1`).
 */
export type GdnForm = 'classic' | 'simplified';

/** Options of {@link GDN}. */
export interface GdnOptions {
  /** Inverse GDN (IGDN): multiply by the norm instead of dividing. Default `false`. */
  readonly inverse?: boolean;
  /** The nonlinearity; default `'classic'`. See {@link GdnForm}. */
  readonly form?: GdnForm;
  /** Lower bound of beta; default 1e-6 (TFC, CompressAI). */
  readonly betaMin?: number;
  /** Initial diagonal of gamma (off-diagonal 0); default 0.1 (TFC, CompressAI). */
  readonly gammaInit?: number;
  /** Reparameterization offset; default 2^-18 (TFC, CompressAI). */
  readonly reparamOffset?: number;
}

/**
 * Generalized divisive normalization (Ballé, Laparra & Simoncelli 2016, "Density modeling
 * of images using a generalized normalization transformation" and "End-to-end optimized
 * image compression"), the per-pixel nonlinearity of the Ballé et al. transforms, with
 * TFC's parameterization:
 *
 *     norm_i = beta_i + sum_j gamma[j, i] * x_j^2      ('classic', y = x / sqrt(norm))
 *     norm_i = beta_i + sum_j gamma[j, i] * |x_j|      ('simplified', y = x / norm)
 *     inverse (IGDN): y = x * sqrt(norm) or x * norm
 *
 * i and j run over channels; nothing is summed across space.
 *
 * **Orientation of gamma:** TFC's. `gamma[j, i]` weights input channel j in the norm of
 * output channel i, i.e. gamma is [C_in, C_out] and the norm pool is `x^2 @ gamma` (TFC
 * applies it as a 1x1 convolution with kernel [1, 1, C_in, C_out]). CompressAI stores the
 * transpose ([C_out, C_in], applied as `conv2d(x^2, gamma[:, :, None, None])`);
 * {@link loadGdnWeights} transposes it on load.
 *
 * **Variables** (stored reparameterized, see {@link nonnegativeParameterValue}; both
 * trainable): `beta` [C] (effective >= betaMin, initialised to 1) and `gamma` [C, C]
 * (effective >= 0, initialised to gammaInit * identity). `effectiveBeta()` /
 * `effectiveGamma()` return the values used.
 *
 * Shapes: [..., C] float32 (NHWC or any rank >= 2, channels last) -> same shape.
 */
export class GDN extends Module {
  /** Channels C. */
  readonly channels: number;
  /** Whether this is the inverse (IGDN). */
  readonly inverse: boolean;
  /** The nonlinearity. */
  readonly form: GdnForm;
  /** Lower bound of the effective beta. */
  readonly betaMin: number;
  /** Reparameterization offset (pedestal = offset^2). */
  readonly reparamOffset: number;
  /** Stored (reparameterized) beta [C]. */
  readonly beta: tf.Variable;
  /** Stored (reparameterized) gamma [C_in, C_out] (TFC orientation). */
  readonly gamma: tf.Variable;

  /**
   * @param channels - Number of channels C.
   * @param options - Inverse, form and parameterization constants; see {@link GdnOptions}.
   * @throws InvalidArgumentError for a non-positive channel count or constant, or an unknown form.
   */
  constructor(channels: number, options: GdnOptions = {}) {
    super();
    const owner = new.target.name;
    checkInteger(owner, 'channels', channels);
    const form = options.form ?? 'classic';
    if (form !== 'classic' && form !== 'simplified') {
      throw new InvalidArgumentError(`${owner}: form must be 'classic' or 'simplified', found ${String(form)}`);
    }
    const betaMin = options.betaMin ?? 1e-6;
    const gammaInit = options.gammaInit ?? 0.1;
    const offset = options.reparamOffset ?? GDN_REPARAM_OFFSET;
    checkPositive(owner, 'betaMin', betaMin);
    checkPositive(owner, 'reparamOffset', offset);
    if (!Number.isFinite(gammaInit) || gammaInit < 0) {
      throw new InvalidArgumentError(`${owner}: gammaInit must be a finite number >= 0, found ${String(gammaInit)}`);
    }
    this.channels = channels;
    this.inverse = options.inverse ?? false;
    this.form = form;
    this.betaMin = betaMin;
    this.reparamOffset = offset;
    this.beta = this.addWeight('beta', () => nonnegativeParameterInit(tf.ones([channels]), offset));
    this.gamma = this.addWeight('gamma', () => nonnegativeParameterInit(tf.mul(tf.eye(channels), gammaInit), offset));
  }

  /** The effective beta [C] (>= betaMin), a new tensor owned by the caller. */
  effectiveBeta(): tf.Tensor1D {
    return nonnegativeParameterValue(this.beta, this.betaMin, this.reparamOffset) as tf.Tensor1D;
  }

  /** The effective gamma [C_in, C_out] (>= 0), a new tensor owned by the caller. */
  effectiveGamma(): tf.Tensor2D {
    return nonnegativeParameterValue(this.gamma, 0, this.reparamOffset) as tf.Tensor2D;
  }

  /**
   * Applies GDN (or IGDN).
   *
   * @param x - [..., C] float32, rank >= 2.
   * @returns The normalized tensor, same shape.
   * @throws ShapeError when the last axis is not C.
   */
  call(x: tf.Tensor): tf.Tensor {
    checkChannelsLast(this.constructor.name, x, this.channels);
    return tf.tidy(() => {
      const pool = this.form === 'classic' ? tf.square(x) : tf.abs(x);
      const flat = tf.reshape(pool, [-1, this.channels]);
      let norm = tf.reshape(tf.add(tf.matMul(flat, this.effectiveGamma()), this.effectiveBeta()), x.shape);
      if (this.form === 'classic') norm = tf.sqrt(norm);
      return this.inverse ? tf.mul(x, norm) : tf.div(x, norm);
    });
  }
}

/**
 * Inverse GDN (IGDN, Ballé et al. 2016): {@link GDN} with `inverse: true`, i.e.
 * y = x * sqrt(beta + x^2 @ gamma) (classic) or x * (beta + |x| @ gamma) (simplified): one
 * fixed-point step towards inverting GDN, used in synthesis transforms.
 */
export class IGDN extends GDN {
  /**
   * @param channels - Number of channels C.
   * @param options - As for {@link GDN}, without `inverse`.
   */
  constructor(channels: number, options: Omit<GdnOptions, 'inverse'> = {}) {
    super(channels, { ...options, inverse: true });
  }
}
