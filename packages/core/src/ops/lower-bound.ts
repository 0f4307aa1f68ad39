import * as tf from '@tensorflow/tfjs-core';

type CustomGradient = Parameters<typeof tf.customGrad>[0];
import { InvalidArgumentError } from '../errors/index.js';

/**
 * How {@link lowerBound} passes gradients where `x < bound`:
 * - `identity_if_towards` (default, TFC's default): pass the gradient only where it
 *   pushes `x` up towards the bound (`dy < 0`, i.e. a descent step increases x);
 * - `identity`: always pass the gradient, as if there were no bound;
 * - `disconnected`: pass nothing, as `tf.maximum`.
 */
export type LowerBoundGradient = 'identity_if_towards' | 'identity' | 'disconnected';

/**
 * `max(x, bound)` with a selectable gradient for `x < bound` (TFC's `lower_bound`).
 * With `tf.maximum` a value stuck below the bound gets no gradient and can never
 * recover; the default `identity_if_towards` lets it move back up.
 *
 * @param x - Float tensor.
 * @param bound - Scalar bound.
 * @param gradient - See {@link LowerBoundGradient}.
 */
export function lowerBound(x: tf.Tensor, bound: number, gradient: LowerBoundGradient = 'identity_if_towards'): tf.Tensor {
  if (gradient !== 'identity_if_towards' && gradient !== 'identity' && gradient !== 'disconnected') {
    throw new InvalidArgumentError(`gradient must be 'identity_if_towards', 'identity' or 'disconnected', found ${String(gradient)}`);
  }
  const f = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([input]);
    return {
      value: tf.maximum(input, bound),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [inp] = saved as [tf.Tensor];
          const above = tf.greaterEqual(inp, bound);
          if (gradient === 'identity') return dy;
          if (gradient === 'disconnected') return tf.where(above, dy, tf.zerosLike(dy));
          return tf.where(tf.logicalOr(above, tf.less(dy, 0)), dy, tf.zerosLike(dy));
        }),
    };
  }) as unknown as CustomGradient) as (input: tf.Tensor) => tf.Tensor;
  return f(x);
}
