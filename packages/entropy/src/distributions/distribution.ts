import type * as tf from '@tensorflow/tfjs-core';

/**
 * A batch of scalar distributions, the protocol every prior of an entropy model
 * implements (TFC's `tfp.distributions.Distribution` plus the `helpers.py` hooks).
 *
 * Values passed to the methods broadcast against {@link Distribution.batchShape} on the
 * right; results have the broadcast shape. Only `prob` and `logProb` are required; the
 * entropy models locate tails and offsets through {@link quantizationOffset},
 * {@link lowerTail} and {@link upperTail} (or their asynchronous forms, which run on every
 * backend), which fall back from the optional hooks to `mode` / `quantile` / `mean` / a
 * numerical search over `logCdf` / `logSurvival`.
 *
 * Tensors a distribution returns belong to the caller; call methods inside `tf.tidy`.
 * Parameter tensors given to a distribution are referenced, not copied or disposed.
 */
export interface Distribution {
  /** Shape of the batch of scalar distributions (rightmost axes of inputs). */
  readonly batchShape: readonly number[];
  /** Density (or mass, for noisy distributions: the density of x + U(-1/2, 1/2)). */
  prob(x: tf.Tensor): tf.Tensor;
  /** Natural log of {@link Distribution.prob}, computed stably. */
  logProb(x: tf.Tensor): tf.Tensor;
  /** Cumulative distribution function P(X <= x). */
  cdf?(x: tf.Tensor): tf.Tensor;
  /** log P(X <= x), accurate in the lower tail. */
  logCdf?(x: tf.Tensor): tf.Tensor;
  /** Survival function P(X > x). */
  survival?(x: tf.Tensor): tf.Tensor;
  /** log P(X > x), accurate in the upper tail. */
  logSurvival?(x: tf.Tensor): tf.Tensor;
  /** The p-quantile of every distribution of the batch, shape `batchShape`. */
  quantile?(p: number): tf.Tensor;
  /** The mode of every distribution of the batch. */
  mode?(): tf.Tensor;
  /** The mean of every distribution of the batch. */
  mean?(): tf.Tensor;
  /** Hook: the quantization offset in [-1/2, 1/2] (see {@link quantizationOffset}). */
  quantizationOffset?(): tf.Tensor;
  /** Hook: a lower cut-off leaving about `tailMass / 2` below it. */
  lowerTail?(tailMass: number): tf.Tensor;
  /** Hook: an upper cut-off leaving about `tailMass / 2` above it. */
  upperTail?(tailMass: number): tf.Tensor;
  /**
   * Hook: {@link Distribution.lowerTail} for distributions whose synchronous hook reads
   * tensors (a numerical search), with asynchronous reads, so it runs on every backend.
   */
  lowerTailAsync?(tailMass: number): Promise<tf.Tensor>;
  /** Hook: {@link Distribution.upperTail} with asynchronous reads (see {@link Distribution.lowerTailAsync}). */
  upperTailAsync?(tailMass: number): Promise<tf.Tensor>;
}
