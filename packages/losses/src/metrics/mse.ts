/**
 * Mean squared error between image batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkImagePair } from '../internal/checks.js';
import type { Reduced, Reduction, ReductionOptions } from '../reduction.js';
import { checkReduction, reduce } from '../reduction.js';

/**
 * Mean squared error between two image batches, per image: the mean of `(x - y)^2` over
 * height, width and channels. In the units of the pixel values squared (inputs in
 * `[0, 1]` inside models give MSE on the `[0, 1]` scale; multiply by `255^2` for the
 * 8-bit scale). Differentiable; the usual distortion term `D` of a rate-distortion loss.
 *
 * @typeParam R - The reduction; `'none'` unless given.
 * @param x - Images, NHWC float32 `[batch, height, width, channels]`.
 * @param y - Images of the same shape.
 * @param options - `reduction`: `'none'` (default) returns `[batch]`, `'mean'` the batch
 *   mean as a scalar.
 * @returns Per-image MSE `[batch]`, or its mean.
 * @throws ShapeError for a rank other than 4, an empty dimension or different shapes;
 *   InvalidArgumentError for a non-float32 or disposed tensor or a bad reduction.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { mse } from '@ncomp/losses';
 *
 * await setBackend('auto');
 * const x = tf.fill([2, 4, 4, 3], 0.5) as tf.Tensor4D;
 * const y = tf.tidy(() => tf.concat([tf.fill([1, 4, 4, 3], 0.6), tf.fill([1, 4, 4, 3], 0.5)])) as tf.Tensor4D;
 * const perImage = mse(x, y); // [2]
 * const values = await perImage.data();
 * assert.ok(Math.abs(values[0]! - 0.01) < 1e-6 && values[1] === 0);
 * const mean = mse(x, y, { reduction: 'mean' }); // a scalar: the distortion term of a loss
 * assert.ok(Math.abs(mean.dataSync()[0]! - 0.005) < 1e-6);
 * tf.dispose([x, y, perImage, mean]);
 * ```
 */
export function mse<R extends Reduction = 'none'>(x: tf.Tensor4D, y: tf.Tensor4D, options: ReductionOptions<R> = {}): Reduced<R> {
  checkImagePair('mse', x, y);
  const reduction = options.reduction ?? 'none';
  checkReduction('mse', reduction);
  return tf.tidy(() => reduce(tf.mean(tf.squaredDifference(x, y), [1, 2, 3]) as tf.Tensor1D, reduction as R));
}
