import * as tf from '@tensorflow/tfjs-core';
import { piecewiseAtZero, SymmetricLocationScale } from './location-scale.js';
import { logErfcNonNegative, normalQuantile } from './special.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Normal (Gaussian) distribution N(loc, scale^2). The log-CDF is computed from a
 * log-space erfc, so tails far beyond float32's underflow stay finite and accurate.
 *
 * @example
 * {@link Laplace} and {@link Logistic} have the same API (the symmetric location-scale
 * families); `loc` and `scale` are numbers or tensors (a batch of distributions).
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { Normal } from '@ncomp/entropy';
 *
 * await setBackend('auto');
 * const normal = new Normal(1, 2); // N(1, 2²)
 * const x = tf.tensor1d([1, -40]);
 * const cdf = normal.cdf(x);
 * const logCdf = normal.logCdf(x);
 * const q = normal.quantile(0.975);
 * assert.ok(Math.abs((await cdf.data())[0]! - 0.5) < 1e-6);
 * // 20.5 standard deviations below the mean, P(X <= x) is about 1e-93, below float32's range,
 * // yet its logarithm is finite and accurate (log Φ(-20.5) ≈ -214.0).
 * assert.equal((await cdf.data())[1], 0);
 * assert.ok(Math.abs((await logCdf.data())[1]! + 214.0) < 0.1);
 * assert.ok(Math.abs((await q.data())[0]! - (1 + 2 * 1.95996)) < 1e-4);
 * tf.dispose([x, cdf, logCdf, q]);
 * ```
 */
export class Normal extends SymmetricLocationScale {
  protected logProbStandard(u: tf.Tensor): tf.Tensor {
    return tf.sub(tf.mul(-0.5, tf.square(u)), HALF_LOG_2PI);
  }

  protected logCdfStandard(u: tf.Tensor): tf.Tensor {
    // Φ(u) = erfc(-u / √2) / 2; for u >= 0 use log1p(-erfc(u / √2) / 2).
    return piecewiseAtZero(
      u,
      (neg) => tf.add(Math.log(0.5), logErfcNonNegative(tf.div(tf.neg(neg), Math.SQRT2))),
      (pos) => tf.log1p(tf.mul(-0.5, tf.exp(logErfcNonNegative(tf.div(pos, Math.SQRT2))))),
    );
  }

  protected quantileStandard(p: number): number {
    return normalQuantile(p);
  }
}
