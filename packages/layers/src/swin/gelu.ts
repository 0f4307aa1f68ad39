import * as tf from '@tensorflow/tfjs-core';

/**
 * The Gaussian error linear unit (Hendrycks & Gimpel 2016) in its exact form, as
 * `tf.nn.gelu(approximate=False)` (the Swin MLPs of SwinT-ChARM / EGIC) and PyTorch's
 * `nn.GELU()`:
 *
 *     gelu(x) = x Φ(x) = 0.5 x (1 + erf(x / √2))
 *
 * TF.js has no GELU op; this composes it from `erf` (a kernel on the cpu, wasm and WebGPU
 * backends, with a registered gradient). TF.js's `erf` is a rational approximation with an
 * absolute error below 1.5e-7.
 *
 * @param x - A float32 tensor.
 * @returns gelu(x), elementwise, a new tensor.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}
