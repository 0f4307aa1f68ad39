/**
 * The non-saturating GAN objective (Goodfellow et al., "Generative adversarial nets",
 * NeurIPS 2014), the one HiFiC uses (Mentzer et al. 2020).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Reduced, Reduction } from '../reduction.js';
import type { GanLossOptions } from './per-sample.js';
import { checkGanOptions, checkLogits, checkSameLogitShapes, meanPerSample, weightAndReduce } from './per-sample.js';

/**
 * Non-saturating generator loss from the discriminator's logits on generated samples:
 * `-log sigmoid(D(G(z))) = softplus(-logit)`, averaged over every non-batch axis per
 * sample, weighted, then averaged over the batch. Stable for logits of any magnitude.
 *
 * @typeParam R - The reduction; `'mean'` unless given.
 * @param fakeLogits - Discriminator logits on generated samples, float32 `[batch, ...]`
 *   (e.g. `[batch]` or PatchGAN `[batch, h, w, 1]`).
 * @param options - Per-sample `weights` `[batch]` and `reduction` (default `'mean'`).
 * @returns The loss in nats, a scalar (or `[batch]` with `reduction: 'none'`).
 * @throws ShapeError for a rank-0 or empty tensor or weights of another batch size;
 *   InvalidArgumentError for non-float32 tensors or a bad reduction.
 */
export function nonSaturatingGeneratorLoss<R extends Reduction = 'mean'>(fakeLogits: tf.Tensor, options: GanLossOptions<R> = {}): Reduced<R> {
  const fn = 'nonSaturatingGeneratorLoss';
  checkLogits(fn, 'fakeLogits', fakeLogits);
  const reduction = checkGanOptions(fn, fakeLogits.shape[0]!, options);
  return tf.tidy(() => weightAndReduce(meanPerSample(tf.softplus(tf.neg(fakeLogits))), options, reduction));
}

/**
 * Non-saturating (binary cross-entropy) discriminator loss:
 * `-log sigmoid(D(x)) - log(1 - sigmoid(D(G(z)))) = softplus(-real) + softplus(fake)`,
 * each averaged over every non-batch axis per sample, summed, weighted, then averaged
 * over the batch. Stable for logits of any magnitude.
 *
 * @typeParam R - The reduction; `'mean'` unless given.
 * @param realLogits - Discriminator logits on real samples, float32 `[batch, ...]`.
 * @param fakeLogits - Logits on generated samples, same shape.
 * @param options - Per-sample `weights` `[batch]` and `reduction` (default `'mean'`).
 * @returns The loss in nats, a scalar (or `[batch]` with `reduction: 'none'`).
 * @throws ShapeError for different shapes, a rank-0 or empty tensor, or weights of
 *   another batch size; InvalidArgumentError for non-float32 tensors or a bad reduction.
 */
export function nonSaturatingDiscriminatorLoss<R extends Reduction = 'mean'>(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  options: GanLossOptions<R> = {},
): Reduced<R> {
  const fn = 'nonSaturatingDiscriminatorLoss';
  checkLogits(fn, 'realLogits', realLogits);
  checkLogits(fn, 'fakeLogits', fakeLogits);
  checkSameLogitShapes(fn, realLogits, fakeLogits);
  const reduction = checkGanOptions(fn, realLogits.shape[0]!, options);
  return tf.tidy(() => {
    const real = meanPerSample(tf.softplus(tf.neg(realLogits)));
    const fake = meanPerSample(tf.softplus(fakeLogits));
    return weightAndReduce(tf.add(real, fake), options, reduction);
  });
}
