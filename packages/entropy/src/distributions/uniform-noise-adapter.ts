import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core/errors';
import { stopGradient } from '@ncomp/core';
import type { Distribution } from './distribution.js';
import { lowerTail, lowerTailAsync, quantizationOffset, upperTail, upperTailAsync } from './helpers.js';
import { Laplace } from './laplace.js';
import { Logistic } from './logistic.js';
import { Normal } from './normal.js';

/** log(exp(big) - exp(small)) for small <= big, without overflow or cancellation. */
function logExpDifference(big: tf.Tensor, small: tf.Tensor): tf.Tensor {
  return tf.add(tf.log1p(tf.neg(tf.exp(tf.sub(small, big)))), big);
}

/**
 * A base distribution convolved with the unit-width uniform density, i.e. the density
 * of X + U(-1/2, 1/2) (Ballé et al. 2018, appendix 6.2; TFC's `UniformNoiseAdapter`):
 *
 *   p(x) = c(x + 1/2) - c(x - 1/2),
 *
 * evaluated stably: right of the median as the difference of survival functions
 * `s(x - 1/2) - s(x + 1/2)` (which keeps precision where c is close to 1), and in log
 * space as `log(exp(big) - exp(small))` of log-CDFs or log-survivals. This is the
 * likelihood of a quantized value under the prior, and the training density under
 * additive uniform noise.
 *
 * @example
 * {@link NoisyNormal}, {@link NoisyLogistic} and {@link NoisyLaplace} are this adapter over
 * their base; any distribution with (log-)CDF and survival functions can be adapted.
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { Laplace, NoisyNormal, UniformNoiseAdapter } from '@ncomp/entropy';
 *
 * await setBackend('auto');
 * const noisy = new NoisyNormal(0, 1); // N(0, 1) + U(-1/2, 1/2)
 * // At an integer k the density is the probability of the bin [k - 1/2, k + 1/2]: the
 * // likelihood of the rounded value k, so the masses of all integers add up to 1.
 * const k = tf.range(-10, 11);
 * const p = noisy.prob(k);
 * const total = Array.from(await p.data()).reduce((a, b) => a + b, 0);
 * assert.ok(Math.abs(total - 1) < 1e-5);
 * // Far in a tail the probability underflows float32; its logarithm stays finite.
 * const far = tf.tensor1d([30]);
 * const logP = noisy.logProb(far);
 * assert.ok(Number.isFinite((await logP.data())[0]!) && (await logP.data())[0]! < -400);
 *
 * const laplace = new UniformNoiseAdapter(new Laplace(0, 2)); // a noisy Laplace, by hand
 * const zero = tf.scalar(0);
 * const q = laplace.prob(zero); // 1 - exp(-1/4): the Laplace mass of [-1/2, 1/2]
 * assert.ok(Math.abs((await q.data())[0]! - (1 - Math.exp(-0.25))) < 1e-6);
 * tf.dispose([k, p, far, logP, zero, q]);
 * ```
 */
export class UniformNoiseAdapter implements Distribution {
  /** {@inheritDoc Distribution.batchShape} */
  readonly batchShape: readonly number[];

  /** @param base - Needs `logCdf` and `logSurvival` (or `cdf` and `survival`). */
  constructor(readonly base: Distribution) {
    if (!(base.logCdf && base.logSurvival) && !(base.cdf && base.survival)) {
      throw new InvalidArgumentError('UniformNoiseAdapter needs a base with logCdf/logSurvival or cdf/survival');
    }
    this.batchShape = base.batchShape;
  }

  /** {@inheritDoc Distribution.logProb} */
  logProb(x: tf.Tensor): tf.Tensor {
    const base = this.base;
    if (!base.logCdf || !base.logSurvival) return tf.tidy(() => tf.log(this.prob(x)));
    return tf.tidy(() => {
      const plus = tf.add(x, 0.5);
      const minus = tf.sub(x, 0.5);
      const logSfPlus = base.logSurvival!(plus);
      const logSfMinus = base.logSurvival!(minus);
      const logCdfPlus = base.logCdf!(plus);
      const logCdfMinus = base.logCdf!(minus);
      // Right of the median (logsf < logcdf) the survival side is the precise one.
      const right = tf.less(stopGradient(logSfPlus), stopGradient(logCdfPlus));
      const big = tf.where(right, logSfMinus, logCdfPlus);
      const small = tf.where(right, logSfPlus, logCdfMinus);
      return logExpDifference(big, small);
    });
  }

  /** {@inheritDoc Distribution.prob} */
  prob(x: tf.Tensor): tf.Tensor {
    const base = this.base;
    if (!base.cdf || !base.survival) return tf.tidy(() => tf.exp(this.logProb(x)));
    return tf.tidy(() => {
      const plus = tf.add(x, 0.5);
      const minus = tf.sub(x, 0.5);
      const sfPlus = base.survival!(plus);
      const cdfPlus = base.cdf!(plus);
      return tf.where(tf.less(stopGradient(sfPlus), stopGradient(cdfPlus)), tf.sub(base.survival!(minus), sfPlus), tf.sub(cdfPlus, base.cdf!(minus)));
    });
  }

  /** The base's quantization offset (noise does not move the mode of symmetric bases). */
  quantizationOffset(): tf.Tensor {
    return quantizationOffset(this.base);
  }

  /** The base's lower tail. */
  lowerTail(tailMass: number): tf.Tensor {
    return lowerTail(this.base, tailMass);
  }

  /** The base's upper tail. */
  upperTail(tailMass: number): tf.Tensor {
    return upperTail(this.base, tailMass);
  }

  /** The base's lower tail, read asynchronously. */
  lowerTailAsync(tailMass: number): Promise<tf.Tensor> {
    return lowerTailAsync(this.base, tailMass);
  }

  /** The base's upper tail, read asynchronously. */
  upperTailAsync(tailMass: number): Promise<tf.Tensor> {
    return upperTailAsync(this.base, tailMass);
  }

  /** {@inheritDoc Distribution.mean} */
  mean(): tf.Tensor {
    if (!this.base.mean) throw new InvalidArgumentError('the base distribution has no mean()');
    return this.base.mean();
  }
}

/** Normal(loc, scale) + U(-1/2, 1/2): the usual hyperprior likelihood (TFC's `NoisyNormal`). */
export class NoisyNormal extends UniformNoiseAdapter {
  /** @param loc - Location. @param scale - Scale (> 0). */
  constructor(loc: tf.Tensor | number, scale: tf.Tensor | number) {
    super(new Normal(loc, scale));
  }
}

/** Logistic(loc, scale) + U(-1/2, 1/2) (TFC's `NoisyLogistic`). */
export class NoisyLogistic extends UniformNoiseAdapter {
  /** @param loc - Location. @param scale - Scale (> 0). */
  constructor(loc: tf.Tensor | number, scale: tf.Tensor | number) {
    super(new Logistic(loc, scale));
  }
}

/** Laplace(loc, scale) + U(-1/2, 1/2). */
export class NoisyLaplace extends UniformNoiseAdapter {
  /** @param loc - Location. @param scale - Scale (> 0). */
  constructor(loc: tf.Tensor | number, scale: tf.Tensor | number) {
    super(new Laplace(loc, scale));
  }
}
