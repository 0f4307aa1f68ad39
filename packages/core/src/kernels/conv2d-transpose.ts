import * as tf from '@tensorflow/tfjs-core';
import type { ConvPadding } from './conv-geometry.js';
import { conv2dInputGradient } from './conv2d-gradient.js';

/**
 * Transposed 2-D convolution (NHWC), with the semantics of `tf.conv2dTranspose`, built
 * from a forward convolution of the stride-dilated input with the flipped filter. On
 * the wasm backend this is several times faster than TF.js's `Conv2DBackpropInput`
 * kernel, and since it is composed of differentiable ops its gradients are those of a
 * forward convolution (fast too, see `conv2d-gradient.ts`).
 *
 * @param x - Input [N, H, W, inChannels].
 * @param filter - [kh, kw, outChannels, inChannels], the layout of `tf.conv2dTranspose`.
 * @param outputShape - [N, outH, outW, outChannels].
 * @param strides - Upsampling factors.
 * @param padding - Padding of the convolution this transposes (`same`: outH = H * stride).
 */
export function conv2dTranspose(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  outputShape: readonly [number, number, number, number],
  strides: number | readonly [number, number],
  padding: ConvPadding,
): tf.Tensor4D {
  const s: [number, number] = typeof strides === 'number' ? [strides, strides] : [strides[0], strides[1]];
  return conv2dInputGradient(outputShape, x, filter, s, padding);
}
