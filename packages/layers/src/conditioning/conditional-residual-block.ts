import * as tf from '@tensorflow/tfjs-core';
import { Module, ShapeError } from '@ncomp/core';
import { Conv2d } from '../conv/conv2d.js';
import { Dense } from '../dense/dense.js';
import { checkChannelsLast, checkInteger, checkNhwc, describe } from '../internal/checks.js';

/**
 * Conditional residual block of MRIC's synthesis (Agustsson et al. 2023, figure 5;
 * Nikolai10/MRIC `ConditionalResidualBlock`): the {@link ResidualBottleneckBlock} with an
 * additive per-channel shift, projected from the conditioning features f, after each
 * convolution (after its activation where it has one):
 *
 *     h1 = relu(conv1x1(c -> c/2)(x)) + P1 f
 *     h2 = relu(conv3x3(c/2 -> c/2)(h1)) + P2 f
 *     y  = x + conv1x1(c/2 -> c)(h2) + P3 f
 *
 * P1..P3 are Dense layers without bias; the shift is the same for every pixel (a bias
 * that depends on f, not a FiLM scale).
 *
 * Shapes: x [N, H, W, c], f [N, featureChannels] -> [N, H, W, c].
 * Variables: `conv1..3` (with bias), `proj1..3` (kernels [featureChannels, c/2 | c/2 | c]).
 */
export class ConditionalResidualBlock extends Module {
  /** Channels c. */
  readonly channels: number;
  /** Width of the conditioning features f. */
  readonly featureChannels: number;
  /** 1x1, c -> c/2. */
  readonly conv1: Conv2d;
  /** 3x3, c/2 -> c/2. */
  readonly conv2: Conv2d;
  /** 1x1, c/2 -> c. */
  readonly conv3: Conv2d;
  /** f -> c/2. */
  readonly proj1: Dense;
  /** f -> c/2. */
  readonly proj2: Dense;
  /** f -> c. */
  readonly proj3: Dense;

  /**
   * @param channels - Channels c (>= 2).
   * @param featureChannels - Width of f; default 512.
   * @throws InvalidArgumentError for invalid sizes.
   */
  constructor(channels: number, featureChannels = 512) {
    super();
    checkInteger(new.target.name, 'channels', channels, 2);
    this.channels = channels;
    this.featureChannels = featureChannels;
    const hidden = Math.floor(channels / 2);
    this.conv1 = this.addModule('conv1', new Conv2d(channels, hidden, 1));
    this.proj1 = this.addModule('proj1', new Dense(featureChannels, hidden, { useBias: false }));
    this.conv2 = this.addModule('conv2', new Conv2d(hidden, hidden, 3));
    this.proj2 = this.addModule('proj2', new Dense(featureChannels, hidden, { useBias: false }));
    this.conv3 = this.addModule('conv3', new Conv2d(hidden, channels, 1));
    this.proj3 = this.addModule('proj3', new Dense(featureChannels, channels, { useBias: false }));
  }

  /**
   * @param x - [N, H, W, c] float32.
   * @param features - f [N, featureChannels] (e.g. from {@link ConditioningMlp}); one row
   *   per example of `x`.
   * @returns [N, H, W, c].
   * @throws ShapeError for mismatched shapes.
   */
  call(x: tf.Tensor, features: tf.Tensor): tf.Tensor4D {
    const owner = this.constructor.name;
    checkNhwc(owner, x, this.channels);
    checkChannelsLast(owner, features, this.featureChannels);
    if (features.rank !== 2 || features.shape[0] !== x.shape[0]) {
      throw new ShapeError(`${owner}: expected features [${x.shape[0]}, ${this.featureChannels}] (one row per example), found ${describe(features)}`);
    }
    return tf.tidy(() => {
      const shift = (proj: Dense): tf.Tensor => {
        const p = proj.call(features);
        return tf.reshape(p, [p.shape[0]!, 1, 1, p.shape[1]!]);
      };
      const h1 = tf.add(tf.relu(this.conv1.call(x)), shift(this.proj1));
      const h2 = tf.add(tf.relu(this.conv2.call(h1)), shift(this.proj2));
      return tf.add(x, tf.add(this.conv3.call(h2), shift(this.proj3)));
    });
  }
}
