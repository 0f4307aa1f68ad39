import * as tf from '@tensorflow/tfjs-core';
import { piecewiseAtZero, SymmetricLocationScale } from './location-scale.js';
import { logErfcNonNegative, normalQuantile } from './special.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Normal (Gaussian) distribution N(loc, scale^2). The log-CDF is computed from a
 * log-space erfc, so tails far beyond float32's underflow stay finite and accurate.
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
