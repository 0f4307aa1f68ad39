import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core/errors';
import { piecewiseAtZero, SymmetricLocationScale } from './location-scale.js';

/** Laplace distribution with density exp(-|x - loc| / scale) / (2 scale). */
export class Laplace extends SymmetricLocationScale {
  protected logProbStandard(u: tf.Tensor): tf.Tensor {
    return tf.sub(tf.neg(tf.abs(u)), Math.LN2);
  }

  protected logCdfStandard(u: tf.Tensor): tf.Tensor {
    return piecewiseAtZero(
      u,
      (neg) => tf.add(neg, Math.log(0.5)),
      (pos) => tf.log1p(tf.mul(-0.5, tf.exp(tf.neg(pos)))),
    );
  }

  protected quantileStandard(p: number): number {
    if (!(p > 0 && p < 1)) throw new InvalidArgumentError(`quantile probability must be in (0, 1), found ${p}`);
    return p < 0.5 ? Math.log(2 * p) : -Math.log(2 - 2 * p);
  }
}
