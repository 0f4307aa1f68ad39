import * as tf from '@tensorflow/tfjs-core';

/**
 * Pads an NHWC tensor at the bottom and right by repeating its last row and column
 * (edge replication), so a codec sees no artificial edge. Differentiable.
 */
export function replicatePad(x: tf.Tensor4D, bottom: number, right: number): tf.Tensor4D {
  return tf.tidy(() => {
    let y = x;
    const [n, h, , c] = y.shape;
    if (bottom > 0) {
      const last = tf.slice(y, [0, h - 1, 0, 0], [n, 1, y.shape[2], c]);
      y = tf.concat([y, tf.tile(last, [1, bottom, 1, 1])], 1);
    }
    if (right > 0) {
      const w = y.shape[2];
      const last = tf.slice(y, [0, 0, w - 1, 0], [n, y.shape[1], 1, c]);
      y = tf.concat([y, tf.tile(last, [1, 1, right, 1])], 2);
    }
    return y === x ? tf.clone(x) : y;
  });
}

/** Smallest multiple of `m` that is at least `v`. */
export const roundUpTo = (v: number, m: number): number => Math.ceil(v / m) * m;
