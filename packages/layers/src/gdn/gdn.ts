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
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { GDN } from '@ncomp/layers';
 *
 * await setBackend('auto');
 * const gdn = new GDN(2); // beta 1, gamma 0.1 I: y = x / sqrt(1 + 0.1 x^2) per channel
 * const igdn = new GDN(2, { inverse: true }); // y = x sqrt(1 + 0.1 x^2)
 * const x = tf.tensor4d([2, -1], [1, 1, 1, 2]); // NHWC
 * const y = gdn.call(x);
 * const expected = [2 / Math.sqrt(1.4), -1 / Math.sqrt(1.1)];
 * (await y.data()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5));
 * const z = igdn.call(x);
 * assert.deepEqual(z.shape, [1, 1, 1, 2]);
 * tf.dispose([x, y, z]);
 * gdn.dispose();
 * igdn.dispose();
 * ```
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
      const flat = tf.reshape(x, [-1, this.channels]) as tf.Tensor2D;
      const y = gdnOp(this.form, this.inverse)(flat, this.effectiveBeta(), this.effectiveGamma());
      return tf.reshape(y, x.shape);
    });
  }
}

/**
 * The GDN nonlinearity on [P, C] with its gradient written out, so that the backward
 * pass keeps only x (and beta, gamma) instead of every intermediate TF.js would save
 * (x^2 or |x|, the pooled norm before and after beta, its square root: four tensors of
 * x's size per layer, which at batch 8 of 256x256 crops on a 128-channel layer is 1 GiB
 * and exceeded wasm's 4 GiB heap). The norm is recomputed in the backward pass (one extra
 * matrix product).
 *
 * With a = x^2 (classic) or |x| (simplified), n = a @ gamma + beta and g the incoming
 * gradient, the gradient of the norm is dL/dn = g * x * dm/dn where y = x * m(n):
 * m = n^(-1/2) (GDN), n^(1/2) (IGDN), 1 / n (simplified GDN), n (simplified IGDN).
 * Then dL/dx = g * m + a'(x) * (dL/dn @ gammaᵀ), dL/dgamma = aᵀ @ dL/dn and
 * dL/dbeta = Σ_P dL/dn, with a'(x) = 2 x or sign(x).
 */
function gdnOp(form: GdnForm, inverse: boolean): (x: tf.Tensor2D, beta: tf.Tensor1D, gamma: tf.Tensor2D) => tf.Tensor2D {
  const pool = (x: tf.Tensor): tf.Tensor => (form === 'classic' ? tf.square(x) : tf.abs(x));
  // One fused product + bias (a single XNNPACK call on wasm, no separate pass for beta).
  const norm = (pooled: tf.Tensor, beta: tf.Tensor, gamma: tf.Tensor): tf.Tensor =>
    tf.fused.matMul({ a: pooled as tf.Tensor2D, b: gamma as tf.Tensor2D, bias: beta });
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, beta, gamma] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
    const save = args[3] as tf.GradSaveFunc;
    save([x, beta, gamma]);
    const n = norm(pool(x), beta, gamma);
    const s = form === 'classic' ? tf.sqrt(n) : n;
    const value = inverse ? tf.mul(x, s) : tf.div(x, s);
    return {
      value,
      // In a tidy: TF.js runs a custom gradient outside one, so its temporaries would
      // otherwise live until the whole backward pass ends.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, b, g] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
          const pooled = pool(xs);
          const nn = norm(pooled, b, g);
          // m: the factor y = x * m; dn: dL/dn.
          let m: tf.Tensor;
          let dn: tf.Tensor;
          const gx = tf.mul(dy, xs);
          if (form === 'classic') {
            const root = tf.sqrt(nn);
            m = inverse ? root : tf.reciprocal(root);
            // d sqrt(n) / dn = 1 / (2 sqrt(n)); d n^(-1/2) / dn = -1 / (2 n sqrt(n)).
            dn = inverse ? tf.div(gx, tf.mul(root, 2)) : tf.div(gx, tf.mul(tf.mul(nn, root), -2));
          } else {
            m = inverse ? nn : tf.reciprocal(nn);
            dn = inverse ? gx : tf.neg(tf.div(gx, tf.square(nn)));
          }
          const slope = form === 'classic' ? tf.mul(xs, 2) : tf.sign(xs);
          const dx = tf.add(tf.mul(dy, m), tf.mul(slope, tf.matMul(dn as tf.Tensor2D, g, false, true)));
          const dGamma = tf.matMul(pooled as tf.Tensor2D, dn as tf.Tensor2D, true, false);
          const dBeta = tf.sum(dn, 0);
          return [dx, dBeta, dGamma];
        }),
    };
  });
  return (x, beta, gamma) => op(x, beta, gamma) as tf.Tensor2D;
}

/**
 * Inverse GDN (IGDN, Ballé et al. 2016): {@link GDN} with `inverse: true`, i.e.
 * y = x * sqrt(beta + x^2 @ gamma) (classic) or x * (beta + |x| @ gamma) (simplified): one
 * fixed-point step towards inverting GDN, used in synthesis transforms.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { GDN, IGDN } from '@ncomp/layers';
 *
 * await setBackend('auto');
 * const gdn = new GDN(2);
 * const igdn = new IGDN(2); // beta 1, gamma 0.1 I: y = x sqrt(1 + 0.1 x^2) per channel
 * const x = tf.tensor4d([2, -0.25], [1, 1, 1, 2]); // NHWC
 * const y = igdn.call(x);
 * const expected = [2 * Math.sqrt(1.4), -0.25 * Math.sqrt(1.00625)];
 * (await y.data()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5));
 * // One fixed-point step of inverting GDN: close to the identity after GDN for small values.
 * const back = tf.tidy(() => igdn.call(gdn.call(x)));
 * assert.ok(Math.abs((await back.data())[1]! + 0.25) < 1e-4);
 * tf.dispose([x, y, back]);
 * gdn.dispose();
 * igdn.dispose();
 * ```
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
