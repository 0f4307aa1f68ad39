import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import { Conv2d } from '../conv/conv2d.js';
import { checkInteger, checkNhwc } from '../internal/checks.js';

/** Options of {@link ResidualBottleneckBlock}. */
export interface ResidualBottleneckBlockOptions {
  /** Width of the two inner convolutions; default floor(channels / 2). */
  readonly hiddenChannels?: number;
}

/**
 * Residual bottleneck block of ELIC (He et al. 2022, "ELIC: Efficient learned image
 * compression with unevenly grouped space-channel contextual adaptive coding") and Cheng
 * et al. 2020, as in the MRIC / VCT reference code (`elic.ResidualBlock`):
 *
 *     y = x + conv1x1(c/2 -> c)(relu(conv3x3(c/2 -> c/2)(relu(conv1x1(c -> c/2)(x)))))
 *
 * (no activation after the sum). All convolutions stride 1, `same` padding, with bias.
 *
 * Shapes: [N, H, W, c] -> [N, H, W, c].
 * Variables: `conv1`, `conv2`, `conv3` (each `kernel`, `bias`).
 */
export class ResidualBottleneckBlock extends Module {
  /** Channels c of input and output. */
  readonly channels: number;
  /** Width of the inner convolutions. */
  readonly hiddenChannels: number;
  /** 1x1, c -> hidden. */
  readonly conv1: Conv2d;
  /** 3x3, hidden -> hidden. */
  readonly conv2: Conv2d;
  /** 1x1, hidden -> c. */
  readonly conv3: Conv2d;

  /**
   * @param channels - Channels c (>= 2 unless `hiddenChannels` is given).
   * @param options - Inner width.
   * @throws InvalidArgumentError for non-positive sizes.
   */
  constructor(channels: number, options: ResidualBottleneckBlockOptions = {}) {
    super();
    checkInteger(new.target.name, 'channels', channels);
    const hidden = options.hiddenChannels ?? Math.floor(channels / 2);
    checkInteger(new.target.name, 'hiddenChannels', hidden);
    this.channels = channels;
    this.hiddenChannels = hidden;
    this.conv1 = this.addModule('conv1', new Conv2d(channels, hidden, 1));
    this.conv2 = this.addModule('conv2', new Conv2d(hidden, hidden, 3));
    this.conv3 = this.addModule('conv3', new Conv2d(hidden, channels, 1));
  }

  /**
   * @param x - [N, H, W, c] float32.
   * @returns [N, H, W, c].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.channels);
    return tf.tidy(() => tf.add(x, this.conv3.call(tf.relu(this.conv2.call(tf.relu(this.conv1.call(x)))))));
  }
}
