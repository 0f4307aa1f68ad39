/**
 * The hinge GAN objective (Lim and Ye, "Geometric GAN", 2017; Miyato et al., "Spectral
 * normalization for generative adversarial networks", ICLR 2018).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Reduced, Reduction } from '../reduction.js';
import type { GanLossOptions } from './per-sample.js';
import { checkGanOptions, checkLogits, checkSameLogitShapes, meanPerSample, weightAndReduce } from './per-sample.js';

/**
 * Hinge generator loss: `-D(G(z))`, averaged over every non-batch axis per sample,
 * weighted, then averaged over the batch.
 *
 * @typeParam R - The reduction; `'mean'` unless given.
 * @param fakeLogits - Discriminator outputs on generated samples, float32 `[batch, ...]`.
 * @param options - Per-sample `weights` `[batch]` and `reduction` (default `'mean'`).
 * @returns The loss (unbounded below), a scalar (or `[batch]` with `reduction: 'none'`).
 * @throws ShapeError for a rank-0 or empty tensor or weights of another batch size;
 *   InvalidArgumentError for non-float32 tensors or a bad reduction.
 */
export function hingeGeneratorLoss<R extends Reduction = 'mean'>(fakeLogits: tf.Tensor, options: GanLossOptions<R> = {}): Reduced<R> {
  const fn = 'hingeGeneratorLoss';
  checkLogits(fn, 'fakeLogits', fakeLogits);
  const reduction = checkGanOptions(fn, fakeLogits.shape[0]!, options);
  return tf.tidy(() => weightAndReduce(meanPerSample(tf.neg(fakeLogits)), options, reduction));
}

/**
 * Hinge discriminator loss: `relu(1 - D(x)) + relu(1 + D(G(z)))`, each averaged over
 * every non-batch axis per sample, summed, weighted, then averaged over the batch.
 *
 * @typeParam R - The reduction; `'mean'` unless given.
 * @param realLogits - Discriminator outputs on real samples, float32 `[batch, ...]`.
 * @param fakeLogits - Outputs on generated samples, same shape.
 * @param options - Per-sample `weights` `[batch]` and `reduction` (default `'mean'`).
 * @returns The loss (at least 0), a scalar (or `[batch]` with `reduction: 'none'`).
 * @throws ShapeError for different shapes, a rank-0 or empty tensor, or weights of
 *   another batch size; InvalidArgumentError for non-float32 tensors or a bad reduction.
 */
export function hingeDiscriminatorLoss<R extends Reduction = 'mean'>(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  options: GanLossOptions<R> = {},
): Reduced<R> {
  const fn = 'hingeDiscriminatorLoss';
  checkLogits(fn, 'realLogits', realLogits);
  checkLogits(fn, 'fakeLogits', fakeLogits);
  checkSameLogitShapes(fn, realLogits, fakeLogits);
  const reduction = checkGanOptions(fn, realLogits.shape[0]!, options);
  return tf.tidy(() => {
    const real = meanPerSample(tf.relu(tf.sub(1, realLogits)));
    const fake = meanPerSample(tf.relu(tf.add(1, fakeLogits)));
    return weightAndReduce(tf.add(real, fake), options, reduction);
  });
}
