import * as tf from '@tensorflow/tfjs-core';

type CustomGradient = Parameters<typeof tf.customGrad>[0];

/**
 * Rounds to the nearest integer (ties to even, as `tf.round`) with the identity as
 * gradient: the straight-through estimator (Bengio et al. 2013) used to train through
 * quantization, as TFC's `round_st`.
 *
 * @param x - Any float tensor.
 * @param offset - Optional quantization offset: computes `round(x - offset) + offset`.
 * @returns A tensor of the shape of `x` (broadcast with `offset`).
 */
export function roundStraightThrough(x: tf.Tensor, offset?: tf.Tensor | number): tf.Tensor {
  const f = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    void save;
    const value = tf.tidy(() => (offset === undefined ? tf.round(input) : tf.add(tf.round(tf.sub(input, offset)), offset)));
    return { value, gradFunc: (dy: tf.Tensor) => dy };
  }) as unknown as CustomGradient) as (input: tf.Tensor) => tf.Tensor;
  return f(x);
}
