/**
 * Option handling and the forward computation shared by {@link Conv2d} and the normalized
 * convolutions (`SpectralNormConv2d`, `WeightNormConv2d`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fastConv2d, ShapeError } from '@ncomp/core';
import { checkInteger, checkNhwc, describe, pair } from '../internal/checks.js';
import type { KernelInitializer } from './initializers.js';
import type { ConvPadding } from './padding.js';
import { checkPadding, convOutputLength, tfPadding } from './padding.js';

/** Options of {@link Conv2d} (and of the normalized convolutions). */
export interface Conv2dOptions {
  /** Stride (downsampling factor), one number or `[height, width]`. Default 1. */
  readonly stride?: number | readonly [number, number];
  /** Padding mode; default `'same'` (TensorFlow's). See {@link ConvPadding}. */
  readonly padding?: ConvPadding;
  /** Whether to add a learned per-channel bias (initialised to 0). Default `true`. */
  readonly useBias?: boolean;
  /** Kernel initialisation; default `'glorotUniform'`. */
  readonly kernelInitializer?: KernelInitializer;
}

/** Resolved convolution configuration. */
export interface ConvConfig {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Kernel size `[kh, kw]`. */
  readonly kernelSize: [number, number];
  /** Stride `[sh, sw]`. */
  readonly stride: [number, number];
  /** Padding mode. */
  readonly padding: ConvPadding;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  /** Kernel initialisation. */
  readonly kernelInitializer: KernelInitializer;
}

/** Validates and fills in defaults. */
export function resolveConvConfig(
  owner: string,
  inChannels: number,
  outChannels: number,
  kernelSize: number | readonly [number, number],
  options: Conv2dOptions,
): ConvConfig {
  checkInteger(owner, 'inChannels', inChannels);
  checkInteger(owner, 'outChannels', outChannels);
  const padding = options.padding ?? 'same';
  checkPadding(owner, padding);
  return {
    inChannels,
    outChannels,
    kernelSize: pair(owner, 'kernelSize', kernelSize),
    stride: pair(owner, 'stride', options.stride ?? 1),
    padding,
    useBias: options.useBias ?? true,
    kernelInitializer: options.kernelInitializer ?? 'glorotUniform',
  };
}

/** Output shape `[N, H', W', outChannels]` of a convolution of an NHWC input. */
export function convOutputShape(config: ConvConfig, inputShape: readonly number[]): [number, number, number, number] {
  const [n = 0, h = 0, w = 0] = inputShape;
  const [kh, kw] = config.kernelSize;
  const [sh, sw] = config.stride;
  return [n, convOutputLength(h, kh, sh, config.padding), convOutputLength(w, kw, sw, config.padding), config.outChannels];
}

/**
 * Correlation of `x` [N, H, W, Cin] with `kernel` [kh, kw, Cin, Cout] under the
 * configured stride and padding, plus `bias` [Cout] when given. Not wrapped in a tidy:
 * callers run it inside theirs.
 */
export function convForward(owner: string, config: ConvConfig, x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor4D {
  checkNhwc(owner, x, config.inChannels);
  const [kh, kw] = config.kernelSize;
  if (config.padding === 'valid' && (x.shape[1] < kh || x.shape[2] < kw)) {
    throw new ShapeError(`${owner}: a 'valid' ${kh}x${kw} convolution needs an input of at least ${kh}x${kw} pixels, found ${describe(x)}`);
  }
  // tf.conv2d, or on wasm outside gradient recording Winograd for wide 3x3 and 5x5 / 2 convs.
  const y = fastConv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, config.stride, tfPadding(config.padding, config.kernelSize));
  return bias === undefined ? y : tf.add(y, bias);
}
