import * as tf from '@tensorflow/tfjs-core';
import { Module, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { exactLayerNorm } from '../exact/swin-exact.js';
import { checkChannelsLast, checkInteger, checkPositive } from '../internal/checks.js';

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance; default 1e-5 (the Swin blocks of SwinT-ChARM / EGIC, PyTorch's default). */
  readonly epsilon?: number;
}

/**
 * Layer normalization over the last axis (Ba, Kiros & Hinton 2016; Keras
 * `LayerNormalization(axis=-1)`, PyTorch `nn.LayerNorm(features)`):
 *
 *     y = (x - mean(x)) / sqrt(var(x) + epsilon) * gamma + beta
 *
 * with the biased variance over the `features` entries of each position. (HiFiC's
 * {@link ChannelNorm} differs: unbiased variance around a stop-gradient mean.)
 *
 * Shapes: [..., features] -> [..., features] (any rank >= 1).
 * Variables: `gamma` [features] (initialised to 1), `beta` [features] (0).
 */
export class LayerNorm extends Module implements ExactEvaluable {
  /** Size of the normalized (last) axis. */
  readonly features: number;
  /** Added to the variance. */
  readonly epsilon: number;
  /** Scale [features]. */
  readonly gamma: tf.Variable;
  /** Offset [features]. */
  readonly beta: tf.Variable;

  /**
   * @param features - Size of the last axis.
   * @param options - `epsilon`.
   * @throws InvalidArgumentError for a non-positive size or epsilon.
   */
  constructor(features: number, options: LayerNormOptions = {}) {
    super();
    const owner = new.target.name;
    checkInteger(owner, 'features', features);
    this.epsilon = options.epsilon ?? 1e-5;
    checkPositive(owner, 'epsilon', this.epsilon);
    this.features = features;
    this.gamma = this.addWeight('gamma', () => tf.ones([features]));
    this.beta = this.addWeight('beta', () => tf.zeros([features]));
  }

  /**
   * @param x - [..., features] float32.
   * @returns The normalized tensor, same shape.
   * @throws ShapeError when the last axis is not `features`.
   */
  call(x: tf.Tensor): tf.Tensor {
    checkChannelsLast(this.constructor.name, x, this.features, 1);
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.gamma), this.beta);
    });
  }

  /** The deterministic twin of {@link LayerNorm.call} over a map's channels (see `ExactEvaluable` in @ncomp/core). */
  exact(): Promise<ExactFn> {
    return exactLayerNorm(this);
  }
}
