/**
 * The Gaussian window of SSIM (Wang et al. 2004) and its separable filtering.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * The normalized 1-D Gaussian `g[i] ∝ exp(-(i - (size - 1) / 2)^2 / (2 sigma^2))`,
 * `i = 0 .. size - 1`, summing to 1. Its outer product with itself is the 2-D window of
 * SSIM (`_fspecial_gauss` of TensorFlow's `tf.image.ssim`, MATLAB's
 * `fspecial('gaussian', size, sigma)`).
 *
 * @param size - Window length, a positive integer.
 * @param sigma - Standard deviation in pixels, positive.
 */
export function gaussianWindow1d(size: number, sigma: number): Float32Array {
  const g = new Float64Array(size);
  const center = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    g[i] = Math.exp(-((i - center) ** 2) / (2 * sigma * sigma));
    sum += g[i]!;
  }
  return Float32Array.from(g, (v) => v / sum);
}

/**
 * Filters single-channel images `[batch, height, width, 1]` with the 2-D window
 * `outer(g, g)` as two 1-D passes, keeping only positions where the window lies inside
 * the image ("VALID"): the result is `[batch, height - size + 1, width - size + 1, 1]`.
 *
 * Regular `conv2d` on one channel is used rather than `depthwiseConv2d`, whose input
 * gradient the wasm backend lacks. Call inside `tf.tidy`.
 *
 * @param images - Single-channel images, at least `size` pixels high and wide.
 * @param window - The 1-D window from {@link gaussianWindow1d}.
 */
export function gaussianFilterValid(images: tf.Tensor4D, window: Float32Array): tf.Tensor4D {
  const n = window.length;
  const vertical = tf.tensor4d(window, [n, 1, 1, 1]);
  const horizontal = tf.tensor4d(window, [1, n, 1, 1]);
  return tf.conv2d(tf.conv2d(images, vertical, 1, 'valid'), horizontal, 1, 'valid');
}
