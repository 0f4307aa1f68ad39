/**
 * The least-squares GAN objective, LSGAN (Mao et al., "Least squares generative
 * adversarial networks", ICCV 2017), with targets a = 0 (fake), b = 1 (real), c = 1
 * (what the generator wants) and the paper's factors 1/2.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Reduced, Reduction } from '../reduction.js';
import type { GanLossOptions } from './per-sample.js';
import { checkGanOptions, checkLogits, checkSameLogitShapes, meanPerSample, weightAndReduce } from './per-sample.js';

/**
 * Least-squares generator loss: `(1/2) (D(G(z)) - 1)^2`, averaged over every non-batch
 * axis per sample, weighted, then averaged over the batch.
 *
 * @typeParam R - The reduction; `'mean'` unless given.
 * @param fakeLogits - Discriminator outputs on generated samples, float32 `[batch, ...]`.
 * @param options - Per-sample `weights` `[batch]` and `reduction` (default `'mean'`).
 * @returns The loss (at least 0), a scalar (or `[batch]` with `reduction: 'none'`).
 * @throws ShapeError for a rank-0 or empty tensor or weights of another batch size;
 *   InvalidArgumentError for non-float32 tensors or a bad reduction.
 */
export function leastSquaresGeneratorLoss<R extends Reduction = 'mean'>(fakeLogits: tf.Tensor, options: GanLossOptions<R> = {}): Reduced<R> {
  const fn = 'leastSquaresGeneratorLoss';
  checkLogits(fn, 'fakeLogits', fakeLogits);
  const reduction = checkGanOptions(fn, fakeLogits.shape[0]!, options);
  return tf.tidy(() => weightAndReduce(meanPerSample(tf.mul(tf.squaredDifference(fakeLogits, 1), 0.5)), options, reduction));
}

/**
 * Least-squares discriminator loss: `(1/2) (D(x) - 1)^2 + (1/2) D(G(z))^2`, each averaged
 * over every non-batch axis per sample, summed, weighted, then averaged over the batch.
 *
 * @typeParam R - The reduction; `'mean'` unless given.
 * @param realLogits - Discriminator outputs on real samples, float32 `[batch, ...]`.
 * @param fakeLogits - Outputs on generated samples, same shape.
 * @param options - Per-sample `weights` `[batch]` and `reduction` (default `'mean'`).
 * @returns The loss (at least 0), a scalar (or `[batch]` with `reduction: 'none'`).
 * @throws ShapeError for different shapes, a rank-0 or empty tensor, or weights of
 *   another batch size; InvalidArgumentError for non-float32 tensors or a bad reduction.
 */
export function leastSquaresDiscriminatorLoss<R extends Reduction = 'mean'>(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  options: GanLossOptions<R> = {},
): Reduced<R> {
  const fn = 'leastSquaresDiscriminatorLoss';
  checkLogits(fn, 'realLogits', realLogits);
  checkLogits(fn, 'fakeLogits', fakeLogits);
  checkSameLogitShapes(fn, realLogits, fakeLogits);
  const reduction = checkGanOptions(fn, realLogits.shape[0]!, options);
  return tf.tidy(() => {
    const real = meanPerSample(tf.mul(tf.squaredDifference(realLogits, 1), 0.5));
    const fake = meanPerSample(tf.mul(tf.square(fakeLogits), 0.5));
    return weightAndReduce(tf.add(real, fake), options, reduction);
  });
}
