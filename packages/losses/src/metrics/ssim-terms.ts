/**
 * The SSIM comparison terms of one scale (Wang et al. 2004, eqs. 6-13), as TensorFlow's
 * `tf.image.ssim` computes them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gaussianFilterValid } from './gaussian-window.js';

/** Per-plane means of the SSIM maps of one scale. */
export interface SsimTerms {
  /** Mean of `luminance * contrastStructure` over the valid window positions, `[planes]`. */
  readonly ssim: tf.Tensor1D;
  /** Mean of the contrast-structure map `(2 cov + c2) / (var_x + var_y + c2)`, `[planes]`. */
  readonly contrastStructure: tf.Tensor1D;
}

/**
 * SSIM and contrast-structure means of single-channel image planes `[planes, H, W, 1]`,
 * with local statistics from the Gaussian window (VALID filtering, no compensation
 * factor, as in the MATLAB reference and `tf.image.ssim`):
 *
 * - luminance `l = (2 mu_x mu_y + c1) / (mu_x^2 + mu_y^2 + c1)`,
 * - contrast-structure `cs = (2 sigma_xy + c2) / (sigma_x^2 + sigma_y^2 + c2)`,
 *
 * with `c1 = (k1 L)^2`, `c2 = (k2 L)^2` given directly. Call inside `tf.tidy`.
 *
 * @param a - Image planes `[planes, H, W, 1]`.
 * @param b - Image planes of the same shape.
 * @param window - The 1-D Gaussian window.
 * @param c1 - Luminance stabilizer `(k1 L)^2`.
 * @param c2 - Contrast stabilizer `(k2 L)^2`.
 * @param withLuminance - Whether to compute `ssim` (only the coarsest scale of MS-SSIM
 *   needs it); when false, `ssim` is the contrast-structure mean as well.
 */
export function ssimTerms(a: tf.Tensor4D, b: tf.Tensor4D, window: Float32Array, c1: number, c2: number, withLuminance: boolean): SsimTerms {
  // One filtering pass over the five local moments stacked along the batch axis.
  const planes = a.shape[0];
  const stacked = tf.concat([a, b, tf.square(a), tf.square(b), tf.mul(a, b) as tf.Tensor4D], 0);
  const moments = gaussianFilterValid(stacked, window);
  const [muA, muB, eAA, eBB, eAB] = tf.split(moments, [planes, planes, planes, planes, planes], 0) as [
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor4D,
  ];
  const num0 = tf.mul(tf.mul(muA, muB), 2);
  const den0 = tf.add(tf.square(muA), tf.square(muB));
  const num1 = tf.mul(eAB, 2);
  const den1 = tf.add(eAA, eBB);
  const cs = tf.div(tf.add(tf.sub(num1, num0), c2), tf.add(tf.sub(den1, den0), c2));
  const contrastStructure = tf.mean(cs, [1, 2, 3]) as tf.Tensor1D;
  if (!withLuminance) return { ssim: contrastStructure, contrastStructure };
  const luminance = tf.div(tf.add(num0, c1), tf.add(den0, c1));
  return { ssim: tf.mean(tf.mul(luminance, cs), [1, 2, 3]) as tf.Tensor1D, contrastStructure };
}
