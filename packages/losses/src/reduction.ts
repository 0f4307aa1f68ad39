/**
 * How a per-image (or per-sample) quantity is returned: as it is, or averaged over the
 * batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core';

/**
 * `'none'`: one value per image (or sample), a tensor of shape `[batch]`.
 * `'mean'`: the mean of those values over the batch, a scalar tensor.
 */
export type Reduction = 'none' | 'mean';

/**
 * The tensor type a function returns for a given {@link Reduction}: `tf.Tensor1D` of shape
 * `[batch]` for `'none'`, `tf.Scalar` for `'mean'`.
 *
 * @typeParam R - The reduction asked for.
 */
export type Reduced<R extends Reduction> = R extends 'mean' ? tf.Scalar : tf.Tensor1D;

/** Options of functions that take a {@link Reduction}. */
export interface ReductionOptions<R extends Reduction> {
  /** `'none'` for one value per image, `'mean'` for the batch mean (see each function's default). */
  readonly reduction?: R;
}

/**
 * Checks a reduction option (callers from plain JavaScript may pass anything).
 *
 * @internal
 */
export function checkReduction(fn: string, value: unknown): asserts value is Reduction {
  if (value !== 'none' && value !== 'mean') {
    throw new InvalidArgumentError(`${fn}: reduction must be 'none' or 'mean', found ${JSON.stringify(value)}`);
  }
}

/**
 * Applies a reduction to per-image values of shape `[batch]`. Call inside `tf.tidy`.
 *
 * @internal
 */
export function reduce<R extends Reduction>(perImage: tf.Tensor1D, reduction: R): Reduced<R> {
  return (reduction === 'mean' ? tf.mean(perImage) : perImage) as Reduced<R>;
}
