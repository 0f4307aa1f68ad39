/**
 * Peak signal-to-noise ratio.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkImagePair, checkPositive } from '../internal/checks.js';
import type { Reduced, Reduction, ReductionOptions } from '../reduction.js';
import { checkReduction, reduce } from '../reduction.js';

/** Options of {@link psnr}. */
export interface PsnrOptions<R extends Reduction> extends ReductionOptions<R> {
  /**
   * The peak value: the width of the range the pixel values live in. Default `1`, for
   * images in `[0, 1]` (the convention inside ncomp models); use `255` for images in
   * `[0, 255]`. Either way the result is the PSNR of the 8-bit image.
   */
  readonly dataRange?: number;
}

/**
 * Peak signal-to-noise ratio in decibels, per image:
 * `10 log10(dataRange^2 / MSE)`. With the default `dataRange` of 1 and images in
 * `[0, 1]` this equals the PSNR on the 0-255 scale, `10 log10(255^2 / MSE_255)`, as
 * compression papers report it. Identical images give `+Infinity`.
 *
 * With `reduction: 'mean'` the per-image PSNRs are averaged (the usual way to report a
 * data set such as Kodak), which differs from the PSNR of the mean MSE. The values are
 * not rounded to 8 bits first; quantize the images beforehand to measure a decoded
 * file. Differentiable (the gradient is infinite where the images are equal).
 *
 * @typeParam R - The reduction; `'none'` unless given.
 * @param x - Images, NHWC float32 `[batch, height, width, channels]`.
 * @param y - Images of the same shape.
 * @param options - `dataRange` (default 1) and `reduction` (default `'none'`).
 * @returns PSNR in dB, `[batch]`, or the batch mean as a scalar.
 * @throws ShapeError for a rank other than 4, an empty dimension or different shapes;
 *   InvalidArgumentError for a non-float32 tensor, a `dataRange` that is not a positive
 *   finite number, or a bad reduction.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { psnr } from '@ncomp/losses';
 *
 * await setBackend('auto');
 * const x = tf.fill([1, 8, 8, 3], 0.5) as tf.Tensor4D;
 * const y = tf.fill([1, 8, 8, 3], 0.51) as tf.Tensor4D; // MSE 1e-4
 * const score = psnr(x, y); // [1]: dB per image
 * const [db] = await score.data(); // 10 log10(1 / 1e-4) = 40 dB
 * assert.ok(Math.abs(db! - 40) < 1e-3);
 * tf.dispose([x, y, score]);
 * ```
 */
export function psnr<R extends Reduction = 'none'>(x: tf.Tensor4D, y: tf.Tensor4D, options: PsnrOptions<R> = {}): Reduced<R> {
  checkImagePair('psnr', x, y);
  const dataRange = options.dataRange ?? 1;
  checkPositive('psnr', 'dataRange', dataRange);
  const reduction = options.reduction ?? 'none';
  checkReduction('psnr', reduction);
  return tf.tidy(() => {
    const mse = tf.mean(tf.squaredDifference(x, y), [1, 2, 3]);
    // 10 log10(R^2 / mse) = 20 log10(R) - (10 / ln 10) ln(mse); ln(0) = -Infinity gives +Infinity.
    const db = tf.sub(20 * Math.log10(dataRange), tf.mul(10 / Math.LN10, tf.log(mse))) as tf.Tensor1D;
    return reduce(db, reduction as R);
  });
}
