import * as tf from '@tensorflow/tfjs-core';

/** Anything with a one-tensor forward pass (the layers of this package). */
export interface Layer {
  call(x: tf.Tensor): tf.Tensor;
}

/**
 * Applies `steps` in order; a function step is an activation. Intermediate tensors are
 * freed (runs in a tidy); the caller owns the result.
 */
export function runSequence(x: tf.Tensor, steps: ReadonlyArray<Layer | ((t: tf.Tensor) => tf.Tensor)>): tf.Tensor {
  return tf.tidy(() => {
    let y = x;
    for (const step of steps) y = typeof step === 'function' ? step(y) : step.call(y);
    return y;
  });
}
