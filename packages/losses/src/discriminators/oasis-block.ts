/**
 * The residual block of the OASIS discriminator (Schönfeld et al. 2021, boschresearch/OASIS
 * `models/discriminator.py` `residual_block_D`), with weight normalization as EGIC's
 * OASIS-C port has it (Nikolai10/EGIC `src/oasis_c.py` `OASISResBlock`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import { WeightNormConv2d } from '@ncomp/layers';
import { avgPool2xCeil, upsampleNearest } from './ops.js';

/** LeakyReLU slope of the OASIS blocks. */
export const OASIS_SLOPE = 0.2;

/**
 * One OASIS residual block, `inChannels -> outChannels`, downsampling (`'down'`: 2x2
 * average pooling at the end) or upsampling (`'up'`: nearest x2 at the start):
 *
 *     down:  x_s = pool(conv_s(x))          dx = pool(conv2(lrelu(conv1(lrelu(x)))))
 *     first: x_s = conv_s(pool(x))          dx = pool(conv2(lrelu(conv1(x))))
 *     up:    x_s = conv_s(up(x))            dx = conv2(lrelu(conv1(up(lrelu(x)))))
 *
 * out = x_s + dx; `conv_s` is a 1x1 convolution present only when the widths differ
 * (identity otherwise); conv1, conv2 are 3x3. All are weight-normalized with a bias, `same`
 * padding. Pooling rounds odd sizes up; upsampling is cropped to the given target size.
 *
 * @internal
 */
export class OasisResBlock extends Module {
  readonly #mode: 'down' | 'up';
  readonly #first: boolean;
  readonly #conv1: WeightNormConv2d;
  readonly #conv2: WeightNormConv2d;
  readonly #convS: WeightNormConv2d | undefined;

  constructor(inChannels: number, outChannels: number, mode: 'down' | 'up', first = false) {
    super();
    this.#mode = mode;
    this.#first = first;
    this.#conv1 = this.addModule('conv1', new WeightNormConv2d(inChannels, outChannels, 3));
    this.#conv2 = this.addModule('conv2', new WeightNormConv2d(outChannels, outChannels, 3));
    this.#convS = inChannels === outChannels ? undefined : this.addModule('convS', new WeightNormConv2d(inChannels, outChannels, 1));
  }

  /**
   * @param x - [N, H, W, inChannels].
   * @param target - Output size `[height, width]` of an up block (at most 2H x 2W).
   */
  call(x: tf.Tensor4D, target?: readonly [number, number]): tf.Tensor4D {
    return tf.tidy(() => {
      const lrelu = (t: tf.Tensor4D): tf.Tensor4D => tf.leakyRelu(t, OASIS_SLOPE);
      const shortcut = (t: tf.Tensor4D): tf.Tensor4D => (this.#convS === undefined ? t : this.#convS.call(t));
      if (this.#mode === 'up') {
        const [, h, w] = x.shape;
        const [th, tw] = target ?? [2 * h, 2 * w];
        const xs = shortcut(upsampleNearest(x, 2, th, tw));
        const dx = this.#conv2.call(lrelu(this.#conv1.call(upsampleNearest(lrelu(x), 2, th, tw))));
        return tf.add(xs, dx);
      }
      const xs = this.#first ? shortcut(avgPool2xCeil(x)) : avgPool2xCeil(shortcut(x));
      const dx = avgPool2xCeil(this.#conv2.call(lrelu(this.#conv1.call(this.#first ? x : lrelu(x)))));
      return tf.add(xs, dx);
    });
  }
}
