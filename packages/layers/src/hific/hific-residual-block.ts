import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import { Conv2d } from '../conv/conv2d.js';
import { checkInteger, checkNhwc } from '../internal/checks.js';
import { ChannelNorm } from './channel-norm.js';

/**
 * Residual block of the HiFiC generator (Mentzer et al. 2020; TFC
 * `models/hific/archs.py` `ResidualBlock`):
 *
 *     y = x + CN(conv3x3(relu(CN(conv3x3(x)))))
 *
 * with {@link ChannelNorm} CN and `same`-padded stride-1 convolutions with bias.
 *
 * Shapes: [N, H, W, c] -> [N, H, W, c].
 * Variables: `conv1`, `norm1`, `conv2`, `norm2`.
 */
export class HificResidualBlock extends Module {
  /** Channels c. */
  readonly channels: number;
  /** First convolution. */
  readonly conv1: Conv2d;
  /** First normalization. */
  readonly norm1: ChannelNorm;
  /** Second convolution. */
  readonly conv2: Conv2d;
  /** Second normalization. */
  readonly norm2: ChannelNorm;

  /**
   * @param channels - Channels c (>= 2).
   * @param kernelSize - Kernel size of both convolutions; default 3.
   * @throws InvalidArgumentError for invalid sizes.
   */
  constructor(channels: number, kernelSize = 3) {
    super();
    checkInteger(new.target.name, 'channels', channels);
    this.channels = channels;
    this.conv1 = this.addModule('conv1', new Conv2d(channels, channels, kernelSize));
    this.norm1 = this.addModule('norm1', new ChannelNorm(channels));
    this.conv2 = this.addModule('conv2', new Conv2d(channels, channels, kernelSize));
    this.norm2 = this.addModule('norm2', new ChannelNorm(channels));
  }

  /**
   * @param x - [N, H, W, c] float32.
   * @returns [N, H, W, c].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.channels);
    return tf.tidy(() => {
      const h = tf.relu(this.norm1.call(this.conv1.call(x)));
      return tf.add(x, this.norm2.call(this.conv2.call(h)));
    });
  }
}
