/**
 * Shared plumbing of the GAN objectives: checking discriminator logits and per-sample
 * weights, averaging per sample, weighting and reducing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@ncomp/core';
import { checkFloatTensor, describeShape } from '../internal/checks.js';
import type { Reduced, Reduction, ReductionOptions } from '../reduction.js';
import { checkReduction, reduce } from '../reduction.js';

/** Options of the GAN objectives. */
export interface GanLossOptions<R extends Reduction> extends ReductionOptions<R> {
  /**
   * Per-sample weights, float32 `[batch]`: each sample's loss is multiplied by its weight
   * before averaging, `(1 / batch) * sum_i w_i l_i` (not renormalized by `sum w`). MRIC
   * (Agustsson et al. 2023) weights the generator's adversarial loss per image by the
   * realism weight `beta` it conditions on. Default: all ones.
   */
  readonly weights?: tf.Tensor1D;
  /**
   * `'mean'` (default) returns the weighted batch mean as a scalar; `'none'` the weighted
   * per-sample losses `[batch]`.
   */
  readonly reduction?: R;
}

/**
 * Checks logits: a live float32 tensor with the batch first and no empty dimension.
 *
 * @internal
 */
export function checkLogits(fn: string, name: string, logits: unknown): asserts logits is tf.Tensor {
  checkFloatTensor(fn, name, logits);
  if (logits.rank === 0 || logits.size === 0) {
    throw new ShapeError(
      `${fn}: ${name} must have the batch as first dimension ([batch] or [batch, ...], e.g. PatchGAN ` +
        `[batch, h, w, 1]) and no empty dimension, found ${describeShape(logits.shape)}`,
    );
  }
}

/**
 * Checks that real and fake logits have the same shape.
 *
 * @internal
 */
export function checkSameLogitShapes(fn: string, real: tf.Tensor, fake: tf.Tensor): void {
  if (!tf.util.arraysEqual(real.shape, fake.shape)) {
    throw new ShapeError(`${fn}: realLogits and fakeLogits must have the same shape, found ${describeShape(real.shape)} and ${describeShape(fake.shape)}`);
  }
}

/**
 * Validates the options against the batch size and returns the reduction.
 *
 * @internal
 */
export function checkGanOptions<R extends Reduction>(fn: string, batch: number, options: GanLossOptions<R>): R {
  const reduction = options.reduction ?? 'mean';
  checkReduction(fn, reduction);
  const weights = options.weights;
  if (weights !== undefined) {
    checkFloatTensor(fn, 'weights', weights);
    if (weights.rank !== 1 || weights.shape[0] !== batch) {
      throw new ShapeError(`${fn}: weights must have shape [${batch}] (one per sample), found ${describeShape(weights.shape)}`);
    }
  }
  return reduction as R;
}

/**
 * Mean of an elementwise loss over every axis but the batch: `[batch, ...]` -> `[batch]`.
 * Call inside `tf.tidy`.
 *
 * @internal
 */
export function meanPerSample(values: tf.Tensor): tf.Tensor1D {
  if (values.rank === 1) return values as tf.Tensor1D;
  const axes = Array.from({ length: values.rank - 1 }, (_, i) => i + 1);
  return tf.mean(values, axes) as tf.Tensor1D;
}

/**
 * Weights per-sample losses and reduces them. Call inside `tf.tidy`.
 *
 * @internal
 */
export function weightAndReduce<R extends Reduction>(perSample: tf.Tensor1D, options: GanLossOptions<R>, reduction: R): Reduced<R> {
  const weighted = options.weights === undefined ? perSample : (tf.mul(perSample, options.weights) as tf.Tensor1D);
  return reduce(weighted, reduction);
}
