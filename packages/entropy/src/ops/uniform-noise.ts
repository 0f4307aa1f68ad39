import * as tf from '@tensorflow/tfjs-core';

/**
 * Adds i.i.d. uniform noise on [-1/2, 1/2) to `x`: the differentiable stand-in for
 * rounding during training (Ballé et al. 2017). The gradient w.r.t. `x` is the identity.
 *
 * @param x - Float tensor.
 * @param seed - Optional seed for reproducible noise.
 */
export function addUniformNoise(x: tf.Tensor, seed?: number): tf.Tensor {
  return tf.tidy(() => tf.add(x, tf.randomUniform(x.shape, -0.5, 0.5, 'float32', seed)));
}
