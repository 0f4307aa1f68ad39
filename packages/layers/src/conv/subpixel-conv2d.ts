import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import { checkInteger } from '../internal/checks.js';
import { Conv2d } from './conv2d.js';
import { depthToSpace } from './depth-to-space.js';
import type { KernelInitializer } from './initializers.js';

/** Options of {@link SubpixelConv2d}. */
export interface SubpixelConv2dOptions {
  /** Kernel size of the convolution; default 3 (CompressAI's `subpel_conv3x3`). */
  readonly kernelSize?: number;
  /** Upsampling factor r; default 2. */
  readonly upscale?: number;
  /** Whether the convolution has a bias; default `true`. */
  readonly useBias?: boolean;
  /** Kernel initialisation of the convolution; default `'glorotUniform'`. */
  readonly kernelInitializer?: KernelInitializer;
}

/**
 * Sub-pixel convolution upsampling (Shi et al. 2016, "Real-time single image and video
 * super-resolution using an efficient sub-pixel convolutional neural network"; CompressAI's
 * `subpel_conv3x3`): a stride-1 `same` convolution to outChannels * r^2 channels followed by
 * {@link depthToSpace} with block r (TensorFlow's channel order).
 *
 * Shapes: [N, H, W, inChannels] -> [N, H * r, W * r, outChannels].
 * Variables: `conv.kernel` [k, k, inChannels, outChannels * r^2], `conv.bias`.
 */
export class SubpixelConv2d extends Module {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Upsampling factor r. */
  readonly upscale: number;
  /** The convolution producing outChannels * r^2 channels. */
  readonly conv: Conv2d;

  /**
   * @param inChannels - Channels of the input.
   * @param outChannels - Channels of the output.
   * @param options - Kernel size, upsampling factor, bias and initialiser.
   * @throws InvalidArgumentError for non-positive sizes.
   */
  constructor(inChannels: number, outChannels: number, options: SubpixelConv2dOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.upscale = options.upscale ?? 2;
    checkInteger(new.target.name, 'upscale', this.upscale);
    checkInteger(new.target.name, 'outChannels', outChannels);
    const r2 = this.upscale * this.upscale;
    this.conv = this.addModule(
      'conv',
      new Conv2d(inChannels, outChannels * r2, options.kernelSize ?? 3, {
        useBias: options.useBias ?? true,
        kernelInitializer: options.kernelInitializer ?? 'glorotUniform',
      }),
    );
  }

  /**
   * @param x - [N, H, W, inChannels] float32.
   * @returns [N, H * r, W * r, outChannels].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => depthToSpace(this.conv.call(x), this.upscale));
  }
}
