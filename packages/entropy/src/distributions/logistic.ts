import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core/errors';
import { SymmetricLocationScale } from './location-scale.js';

/** Logistic distribution with CDF sigmoid((x - loc) / scale). */
export class Logistic extends SymmetricLocationScale {
  protected logProbStandard(u: tf.Tensor): tf.Tensor {
    // log σ(u) + log σ(-u) = -softplus(-u) - softplus(u).
    return tf.neg(tf.add(tf.softplus(tf.neg(u)), tf.softplus(u)));
  }

  protected logCdfStandard(u: tf.Tensor): tf.Tensor {
    return tf.neg(tf.softplus(tf.neg(u)));
  }

  protected quantileStandard(p: number): number {
    if (!(p > 0 && p < 1)) throw new InvalidArgumentError(`quantile probability must be in (0, 1), found ${p}`);
    return Math.log(p / (1 - p));
  }
}
