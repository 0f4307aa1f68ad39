import * as tf from '@tensorflow/tfjs-core';

type CustomGradient = Parameters<typeof tf.customGrad>[0];

/**
 * Identity in the forward pass, zero gradient in the backward pass (TF's
 * `stop_gradient`, which TF.js lacks). Also needed before comparisons: TF.js has no
 * gradient for `Less` & co., so a condition computed from a differentiable tensor would
 * make `tf.grad` fail.
 */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((input: tf.Tensor) => ({
    value: tf.clone(input),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as CustomGradient) as (input: tf.Tensor) => tf.Tensor;
  return f(x);
}
