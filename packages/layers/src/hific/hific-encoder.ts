import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import { Conv2d } from '../conv/conv2d.js';
import { checkInteger, checkNhwc } from '../internal/checks.js';
import type { Layer } from '../internal/layer.js';
import { runSequence } from '../internal/layer.js';
import { ChannelNorm } from './channel-norm.js';

/** Options of {@link HificEncoder}. */
export interface HificEncoderOptions {
  /** Channels of the input image; default 3. */
  readonly inputChannels?: number;
  /** Width of the first convolution; downsampling i has base * 2^(i+1) channels. Default 60. */
  readonly baseChannels?: number;
  /** Number of stride-2 convolutions; default 4 (latent at H/16). */
  readonly numDown?: number;
  /** Channels of the latent; default 220. */
  readonly latentChannels?: number;
}

/**
 * Encoder (analysis transform) of HiFiC (Mentzer et al. 2020; TFC
 * `models/hific/archs.py` `Encoder`):
 *
 *     conv7x7 b -> CN -> ReLU -> numDown x [conv3x3/2 (b * 2^(i+1)) -> CN -> ReLU]
 *     -> conv3x3 latentChannels
 *
 * with {@link ChannelNorm} CN; all convolutions with bias and Keras `same` padding. The
 * defaults give 60 -> 120, 240, 480, 960 -> 220 channels. (HiFiC feeds it images in
 * [0, 1].)
 *
 * Shapes: [N, H, W, inputChannels] -> [N, ceil(H / 2^numDown), ceil(W / 2^numDown),
 * latentChannels].
 * Variables: `conv0`, `norm0`, then `conv{i}`, `norm{i}` for i = 1..numDown, and
 * `conv{numDown + 1}` (the latent projection).
 */
export class HificEncoder extends Module {
  /** Channels of the input. */
  readonly inputChannels: number;
  /** Channels of the latent. */
  readonly latentChannels: number;
  /** Number of stride-2 convolutions. */
  readonly numDown: number;
  readonly #steps: Array<Layer | ((t: tf.Tensor) => tf.Tensor)> = [];

  /** @param options - Widths and depth; see {@link HificEncoderOptions}. */
  constructor(options: HificEncoderOptions = {}) {
    super();
    const owner = new.target.name;
    this.inputChannels = options.inputChannels ?? 3;
    const base = options.baseChannels ?? 60;
    this.numDown = options.numDown ?? 4;
    this.latentChannels = options.latentChannels ?? 220;
    checkInteger(owner, 'inputChannels', this.inputChannels);
    checkInteger(owner, 'baseChannels', base, 2);
    checkInteger(owner, 'numDown', this.numDown, 0);
    checkInteger(owner, 'latentChannels', this.latentChannels);
    const relu = (t: tf.Tensor): tf.Tensor => tf.relu(t);
    this.#steps.push(this.addModule('conv0', new Conv2d(this.inputChannels, base, 7)), this.addModule('norm0', new ChannelNorm(base)), relu);
    let width = base;
    for (let i = 1; i <= this.numDown; i++) {
      const out = base * 2 ** i;
      this.#steps.push(this.addModule(`conv${i}`, new Conv2d(width, out, 3, { stride: 2 })), this.addModule(`norm${i}`, new ChannelNorm(out)), relu);
      width = out;
    }
    this.#steps.push(this.addModule(`conv${this.numDown + 1}`, new Conv2d(width, this.latentChannels, 3)));
  }

  /**
   * @param x - [N, H, W, inputChannels] float32.
   * @returns The latent [N, ceil(H / 2^numDown), ceil(W / 2^numDown), latentChannels].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.inputChannels);
    return runSequence(x, this.#steps) as tf.Tensor4D;
  }
}
