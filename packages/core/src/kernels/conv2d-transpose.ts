import * as tf from '@tensorflow/tfjs-core';
import type { ConvPadding } from './conv-geometry.js';
import { conv2dInputGradient } from './conv2d-gradient.js';

/**
 * Transposed 2-D convolution (NHWC), with the semantics of `tf.conv2dTranspose`. On the
 * wasm backend it is built from a forward convolution of the stride-dilated input with
 * the flipped filter: faster than TF.js's `Conv2DBackpropInput` kernel, and, being
 * composed of differentiable ops, trainable (TF.js's own needs `Conv2DBackpropFilter`,
 * which wasm lacks). On other backends it is `tf.conv2dTranspose`, whose native or cpu
 * kernels are faster than the composite there.
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
  if (tf.getBackend() !== 'wasm') {
    const pad = typeof padding === 'object' ? (padding.map((p) => [p[0], p[1]]) as [number, number][]) : padding;
    return tf.conv2dTranspose(x, filter, [...outputShape], s, pad as 'same' | 'valid' | number);
  }
  return conv2dInputGradient(outputShape, x, filter, s, padding);
}
