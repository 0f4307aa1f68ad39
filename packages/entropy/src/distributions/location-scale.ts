import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from '@ncomp/core';
import type { Distribution } from './distribution.js';

/**
 * Base of the symmetric location-scale families (Normal, Logistic, Laplace): each
 * subclass gives the standardized log-density, log-CDF (stable in the lower tail) and
 * quantile; the upper tail uses symmetry, `logSurvival(u) = logCdf(-u)`, so both
 * tails are accurate.
 */
export abstract class SymmetricLocationScale implements Distribution {
  /** {@inheritDoc Distribution.batchShape} */
  readonly batchShape: readonly number[];

  /**
   * @param loc - Location (any shape broadcastable with `scale`).
   * @param scale - Scale, > 0.
   */
  constructor(
    readonly loc: tf.Tensor | number,
    readonly scale: tf.Tensor | number,
  ) {
    const shape = (v: tf.Tensor | number): number[] => (typeof v === 'number' ? [] : v.shape);
    this.batchShape = tf.broadcast_util.assertAndGetBroadcastShape(shape(loc), shape(scale));
  }

  /** log density of the standard member at u. */
  protected abstract logProbStandard(u: tf.Tensor): tf.Tensor;
  /** log CDF of the standard member at u, accurate for u -> -infinity. */
  protected abstract logCdfStandard(u: tf.Tensor): tf.Tensor;
  /** Quantile of the standard member. */
  protected abstract quantileStandard(p: number): number;

  private standardize(x: tf.Tensor): tf.Tensor {
    return tf.div(tf.sub(x, this.loc), this.scale);
  }

  /** {@inheritDoc Distribution.logProb} */
  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.sub(this.logProbStandard(this.standardize(x)), tf.log(this.scale)));
  }

  /** {@inheritDoc Distribution.prob} */
  prob(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logProb(x)));
  }

  /** {@inheritDoc Distribution.logCdf} */
  logCdf(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.logCdfStandard(this.standardize(x)));
  }

  /** {@inheritDoc Distribution.logSurvival} */
  logSurvival(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.logCdfStandard(tf.neg(this.standardize(x))));
  }

  /** {@inheritDoc Distribution.cdf} */
  cdf(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logCdf(x)));
  }

  /** {@inheritDoc Distribution.survival} */
  survival(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logSurvival(x)));
  }

  /** {@inheritDoc Distribution.quantile} */
  quantile(p: number): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(this.loc, tf.mul(this.scale, this.quantileStandard(p))), [...this.batchShape]));
  }

  /** {@inheritDoc Distribution.mode} */
  mode(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(this.loc, tf.mul(this.scale, 0)), [...this.batchShape]));
  }

  /** {@inheritDoc Distribution.mean} */
  mean(): tf.Tensor {
    return this.mode();
  }
}

/**
 * Picks `whenNegative(min(u, 0))` where u < 0 and `whenNonNegative(max(u, 0))`
 * elsewhere. Each branch only ever sees values from its own side, so neither produces
 * infinities whose gradients would leak NaN through `tf.where`.
 */
export function piecewiseAtZero(u: tf.Tensor, whenNegative: (uNeg: tf.Tensor) => tf.Tensor, whenNonNegative: (uPos: tf.Tensor) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.where(tf.less(stopGradient(u), 0), whenNegative(tf.minimum(u, 0)), whenNonNegative(tf.maximum(u, 0))));
}
