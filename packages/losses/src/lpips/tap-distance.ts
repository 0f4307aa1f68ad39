/**
 * The LPIPS distance contributed by one tap, with a hand-written gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Added to each feature vector's norm before dividing (LPIPS `normalize_tensor`). */
export const NORM_EPS = 1e-10;

/**
 * Floor of the squared norm under the square root: keeps the gradient finite for
 * all-zero feature vectors (dead ReLUs). It changes the normalized features only where
 * `||f|| < 1e-15`, and there by a relative 1e-5 at most (`f / (1e-15 + eps)` instead of
 * `f / (||f|| + eps)`).
 */
export const SQUARED_NORM_FLOOR = 1e-30;

/** `f / (sqrt(max(sum_c f^2, floor)) + eps)` and the pieces its gradient needs. */
function normalize(features: tf.Tensor4D): { unit: tf.Tensor4D; squared: tf.Tensor4D; norm: tf.Tensor4D; denom: tf.Tensor4D } {
  const squared = tf.sum(tf.square(features), 3, true) as tf.Tensor4D;
  const norm = tf.sqrt(tf.maximum(squared, SQUARED_NORM_FLOOR)) as tf.Tensor4D;
  const denom = tf.add(norm, NORM_EPS) as tf.Tensor4D;
  return { unit: tf.div(features, denom) as tf.Tensor4D, squared, norm, denom };
}

/**
 * One tap's LPIPS term for `n` image pairs: with `features` the activations of the
 * first images followed by those of the second (`[2n, h, w, C]`), unit-normalize each
 * feature vector over channels, take the squared difference of the pairs, weight the
 * channels by `head` (`[C]`, the 1x1 linear layer `lin<k>` without bias) and average
 * over space. Returns `[n]`.
 *
 * Differentiable with respect to `features` only (the head is a constant). The gradient
 * is written out rather than taped: TF.js copies every tensor an op saves for the
 * backward pass, which for the dozen ops here would hold ten copies of each tap; this
 * keeps one and recomputes the rest.
 *
 * @internal
 */
export function tapDistance(features: tf.Tensor4D, head: tf.Tensor, n: number): tf.Tensor1D {
  const [, h, w, c] = features.shape;
  const weights = tf.reshape(head, [c, 1]);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const f = input as tf.Tensor4D;
    save([f]);
    const [u0, u1] = tf.split(normalize(f).unit, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
    const perChannel = tf.reshape(tf.mean(tf.squaredDifference(u0, u1), [1, 2]), [n, c]);
    const value = tf.reshape(tf.matMul(perChannel, weights), [n]);
    // customGrad calls gradFunc outside any tidy scope: free the intermediates at once.
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor =>
      tf.tidy(() => {
        const saved0 = saved[0]! as tf.Tensor4D;
        const { unit, squared, norm, denom } = normalize(saved0);
        const [v0, v1] = tf.split(unit, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
        // d/du0 of mean_hw sum_c w_c (u0 - u1)^2, times the upstream gradient per image.
        const scale = tf.mul(tf.reshape(dy, [n, 1, 1, 1]), tf.mul(tf.reshape(head, [1, 1, 1, c]), 2 / (h * w)));
        const g0 = tf.mul(tf.sub(v0, v1), scale);
        const g = tf.concat([g0, tf.neg(g0)], 0);
        // u = f / (s + eps), s = sqrt(max(|f|^2, floor)):
        // df = g / (s + eps) - f (g . f) / ((s + eps)^2 s), the second term where |f|^2 >= floor.
        const radial = tf.div(tf.sum(tf.mul(g, saved0), 3, true), tf.mul(tf.square(denom), norm));
        const active = tf.cast(tf.greaterEqual(squared, SQUARED_NORM_FLOOR), 'float32');
        return tf.sub(tf.div(g, denom), tf.mul(saved0, tf.mul(radial, active)));
      });
    return { value, gradFunc };
  });
  return op(features) as tf.Tensor1D;
}
