import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import { Conv2d } from '../conv/conv2d.js';
import { ConvTranspose2d } from '../conv/conv-transpose2d.js';
import { checkInteger, checkNhwc } from '../internal/checks.js';
import type { Layer } from '../internal/layer.js';
import { runSequence } from '../internal/layer.js';
import { ChannelNorm } from './channel-norm.js';
import { HificResidualBlock } from './hific-residual-block.js';

/** Options of {@link HificGenerator}. */
export interface HificGeneratorOptions {
  /** Channels of the (quantized) latent; default 220. */
  readonly latentChannels?: number;
  /** Width of the last upsampling stage; the residual trunk has base * 2^numUp. Default 60. */
  readonly baseChannels?: number;
  /** Number of stride-2 transposed convolutions; default 4. */
  readonly numUp?: number;
  /** Residual blocks in the trunk; default 9. */
  readonly numResidualBlocks?: number;
  /** Channels of the output image; default 3. */
  readonly outputChannels?: number;
}

/**
 * Generator (synthesis transform) of HiFiC (Mentzer et al. 2020; TFC
 * `models/hific/archs.py` `Decoder`):
 *
 *     head  = CN -> conv3x3 (b * 2^numUp) -> CN
 *     trunk = numResidualBlocks x HificResidualBlock, plus a skip over the whole trunk
 *     tail  = for i = numUp-1 .. 0: [tconv3x3/2 (b * 2^i) -> CN -> ReLU]; conv7x7 outputChannels
 *
 * with {@link ChannelNorm} CN, Keras `same` padding and biases. The defaults give
 * 220 -> 960 (9 blocks) -> 480, 240, 120, 60 -> 3. The output is the raw last convolution
 * (HiFiC reads it as an image in [0, 1], scales by 255 and clips at evaluation only).
 *
 * Shapes: [N, h, w, latentChannels] -> [N, h * 2^numUp, w * 2^numUp, outputChannels].
 * Variables: `headNorm0`, `headConv`, `headNorm1`, `res{i}`, `up{i}` / `upNorm{i}`
 * (i counts stages from the first), `convOut`.
 */
export class HificGenerator extends Module {
  /** Channels of the latent. */
  readonly latentChannels: number;
  /** Channels of the output. */
  readonly outputChannels: number;
  /** Number of stride-2 transposed convolutions. */
  readonly numUp: number;
  readonly #head: Layer[];
  readonly #trunk: HificResidualBlock[] = [];
  readonly #tail: Array<Layer | ((t: tf.Tensor) => tf.Tensor)> = [];

  /** @param options - Widths and depth; see {@link HificGeneratorOptions}. */
  constructor(options: HificGeneratorOptions = {}) {
    super();
    const owner = new.target.name;
    this.latentChannels = options.latentChannels ?? 220;
    const base = options.baseChannels ?? 60;
    this.numUp = options.numUp ?? 4;
    const blocks = options.numResidualBlocks ?? 9;
    this.outputChannels = options.outputChannels ?? 3;
    checkInteger(owner, 'latentChannels', this.latentChannels, 2);
    checkInteger(owner, 'baseChannels', base, 2);
    checkInteger(owner, 'numUp', this.numUp, 0);
    checkInteger(owner, 'numResidualBlocks', blocks, 0);
    checkInteger(owner, 'outputChannels', this.outputChannels);
    const trunkWidth = base * 2 ** this.numUp;
    this.#head = [
      this.addModule('headNorm0', new ChannelNorm(this.latentChannels)),
      this.addModule('headConv', new Conv2d(this.latentChannels, trunkWidth, 3)),
      this.addModule('headNorm1', new ChannelNorm(trunkWidth)),
    ];
    for (let i = 0; i < blocks; i++) this.#trunk.push(this.addModule(`res${i}`, new HificResidualBlock(trunkWidth)));
    const relu = (t: tf.Tensor): tf.Tensor => tf.relu(t);
    let width = trunkWidth;
    for (let i = 0; i < this.numUp; i++) {
      const out = base * 2 ** (this.numUp - 1 - i);
      this.#tail.push(this.addModule(`up${i}`, new ConvTranspose2d(width, out, 3, { stride: 2 })), this.addModule(`upNorm${i}`, new ChannelNorm(out)), relu);
      width = out;
    }
    this.#tail.push(this.addModule('convOut', new Conv2d(width, this.outputChannels, 7)));
  }

  /**
   * @param y - The latent [N, h, w, latentChannels] float32.
   * @returns [N, h * 2^numUp, w * 2^numUp, outputChannels].
   * @throws ShapeError for another rank or channel count.
   */
  call(y: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, y, this.latentChannels);
    return tf.tidy(() => {
      const head = runSequence(y, this.#head);
      const trunk = tf.add(runSequence(head, this.#trunk), head);
      return runSequence(trunk, this.#tail) as tf.Tensor4D;
    });
  }
}
