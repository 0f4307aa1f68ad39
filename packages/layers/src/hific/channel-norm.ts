import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module } from '@ncomp/core';
import { stopGradient } from '@ncomp/core';
import { checkChannelsLast, checkInteger, checkPositive } from '../internal/checks.js';

/** Options of {@link ChannelNorm}. */
export interface ChannelNormOptions {
  /** Added to the variance; default 1e-3 (HiFiC). */
  readonly epsilon?: number;
}

/**
 * Channel normalization of HiFiC (Mentzer et al. 2020, "High-fidelity generative image
 * compression"; TFC `models/hific/archs.py`, class `LayerNorm`): every pixel is normalized
 * over its channels,
 *
 *     mean = (1/C) sum_c x_c
 *     var  = (1/(C-1)) sum_c (x_c - stopGradient(mean))^2      (unbiased)
 *     y_c  = gamma_c * (x_c - mean) / sqrt(var + epsilon) + beta_c
 *
 * The stop-gradient applies inside the variance only, as in the reference. Unlike batch
 * normalization there are no running statistics: training and inference agree.
 *
 * Shapes: [..., C] float32 (any rank >= 2, channels last) -> same shape.
 * Variables: `gamma` [C] (initialised to 1), `beta` [C] (initialised to 0).
 */
export class ChannelNorm extends Module {
  /** Channels C (>= 2, the unbiased variance divides by C - 1). */
  readonly channels: number;
  /** Added to the variance. */
  readonly epsilon: number;
  /** Per-channel scale [C]. */
  readonly gamma: tf.Variable;
  /** Per-channel offset [C]. */
  readonly beta: tf.Variable;

  /**
   * @param channels - Channels C, at least 2.
   * @param options - Epsilon.
   * @throws InvalidArgumentError for fewer than 2 channels or a non-positive epsilon.
   */
  constructor(channels: number, options: ChannelNormOptions = {}) {
    super();
    const owner = new.target.name;
    checkInteger(owner, 'channels', channels);
    if (channels < 2) {
      throw new InvalidArgumentError(`${owner}: needs at least 2 channels (the unbiased variance divides by C - 1), found ${channels}`);
    }
    this.channels = channels;
    this.epsilon = options.epsilon ?? 1e-3;
    checkPositive(owner, 'epsilon', this.epsilon);
    this.gamma = this.addWeight('gamma', () => tf.ones([channels]));
    this.beta = this.addWeight('beta', () => tf.zeros([channels]));
  }

  /**
   * @param x - [..., C] float32.
   * @returns The normalized tensor, same shape.
   * @throws ShapeError when the last axis is not C.
   */
  call(x: tf.Tensor): tf.Tensor {
    checkChannelsLast(this.constructor.name, x, this.channels);
    return tf.tidy(() => {
      const axis = x.rank - 1;
      const mean = tf.mean(x, axis, true);
      // square(sub) rather than tf.squaredDifference: TF.js's SquaredDifference gradient does
      // not reduce over broadcast axes, so it fails for the [..., 1] mean.
      const variance = tf.div(tf.sum(tf.square(tf.sub(x, stopGradient(mean))), axis, true), this.channels - 1);
      const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.gamma), this.beta);
    });
  }
}
