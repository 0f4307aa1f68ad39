/**
 * The nonnegative reparameterization of GDN parameters (Ballé et al. 2016, "End-to-end
 * optimized image compression", appendix; TFC's `GDNParameter` and CompressAI's
 * `NonNegativeParametrizer`, which compute the same thing).
 *
 * A parameter p >= minimum is stored as a variable r with
 *
 *     r0 = sqrt(max(p0 + pedestal, pedestal))          (initialisation)
 *     p  = max(r, sqrt(minimum + pedestal))^2 - pedestal (every use)
 *
 * where pedestal = offset^2 (offset 2^-18, so pedestal 2^-36). Storing the square root
 * slows learning for small values (gradient noise on small denominators would otherwise
 * make GDN's outputs very noisy); the pedestal keeps the gradient non-zero at p = 0. The
 * bound uses {@link lowerBound} with TFC's `identity_if_towards` gradient, so a value
 * pushed below the bound can come back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lowerBound } from '@ncomp/core';

/** Default reparameterization offset (TFC `GDNParameter.offset`, CompressAI `reparam_offset`): 2^-18. */
export const GDN_REPARAM_OFFSET = 2 ** -18;

/**
 * The stored (reparameterized) value r = sqrt(max(p + offset^2, offset^2)) of effective
 * values `p`. Returns a new tensor of the same shape.
 *
 * @param value - Effective parameter values.
 * @param offset - Reparameterization offset; default {@link GDN_REPARAM_OFFSET}.
 */
export function nonnegativeParameterInit(value: tf.Tensor, offset: number = GDN_REPARAM_OFFSET): tf.Tensor {
  const pedestal = offset * offset;
  return tf.tidy(() => tf.sqrt(tf.maximum(tf.add(value, pedestal), pedestal)));
}

/**
 * The effective value p = max(r, sqrt(minimum + offset^2))^2 - offset^2 of stored values
 * `r`, differentiable in `r` (gradient `identity_if_towards` at the bound). Returns a new
 * tensor of the same shape; every element is >= `minimum` (up to float32 rounding).
 *
 * @param raw - Stored values.
 * @param minimum - Lower bound of the effective value (1e-6 for GDN's beta, 0 for gamma).
 * @param offset - Reparameterization offset; default {@link GDN_REPARAM_OFFSET}.
 */
export function nonnegativeParameterValue(raw: tf.Tensor, minimum: number, offset: number = GDN_REPARAM_OFFSET): tf.Tensor {
  const pedestal = offset * offset;
  const bound = Math.sqrt(minimum + pedestal);
  return tf.tidy(() => tf.sub(tf.square(lowerBound(raw, bound)), pedestal));
}
