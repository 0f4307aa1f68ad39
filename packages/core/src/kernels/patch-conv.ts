/**
 * Non-overlapping ("patch") convolutions: kernel size equal to the stride, no padding.
 *
 * A stride-s s x s convolution without padding maps each s x s patch to one output pixel
 * independently, so it is one matrix product of the patches with the flattened filter;
 * its transpose is one matrix product followed by writing the patches back. Block
 * transforms (an 8 x 8 DCT-like analysis), ViT / Swin patch embeddings and patch
 * merging are of this kind. On the wasm backend these are far cheaper as matrix products
 * plus a rank-4 transpose than as convolutions: the transposed one would otherwise be
 * s² phase convolutions, and the gradients of both would go through the general
 * phase decomposition.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvPadding } from './conv-geometry.js';

/** Whether a padding attribute adds no zeros at all. */
function isUnpadded(padding: ConvPadding): boolean {
  if (padding === 'valid') return true;
  if (padding === 0) return true;
  if (typeof padding === 'object') return padding.every(([a, b]) => a === 0 && b === 0);
  return false;
}

/**
 * Whether `conv2d(x, filter [kh, kw, ...], strides, padding)` on an input of `h x w` is
 * a patch convolution: kernel equal to the stride, no padding, sizes multiples of it.
 * (`same` padding adds nothing either when the size is a multiple of a stride equal to
 * the kernel.)
 */
export function isPatchConv(kh: number, kw: number, strides: readonly [number, number], padding: ConvPadding, h: number, w: number): boolean {
  const [sh, sw] = strides;
  if (kh !== sh || kw !== sw || h % sh !== 0 || w % sw !== 0) return false;
  return isUnpadded(padding) || padding === 'same';
}

/**
 * [N, H, W, C] -> [N (H/sh) (W/sw), sh sw C]: row = output pixel, columns ordered
 * (tap row, tap column, channel) like a flattened [kh, kw, C, ...] filter.
 */
export function imageToPatches(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const ho = h / sh;
    const wo = w / sw;
    const rows = tf.reshape(x, [n * ho, sh, wo, sw * c]);
    return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [n * ho * wo, sh * sw * c]) as tf.Tensor2D;
  });
}

/** The inverse of {@link imageToPatches}: [N ho wo, sh sw C] -> [N, ho sh, wo sw, C]. */
export function patchesToImage(p: tf.Tensor2D, n: number, ho: number, wo: number, sh: number, sw: number, c: number): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = tf.reshape(p, [n * ho, wo, sh, sw * c]);
    return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [n, ho * sh, wo * sw, c]) as tf.Tensor4D;
  });
}

/**
 * `conv2d(x, filter, [kh, kw], 'valid')` for a patch convolution (see
 * {@link isPatchConv}), as one matrix product.
 * @param x - [N, H, W, Ci], H and W multiples of the kernel.
 * @param filter - [kh, kw, Ci, Co].
 */
export function patchConv2d(x: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filter.shape;
    const [n, h, w] = x.shape;
    const y = tf.matMul(imageToPatches(x, kh, kw), tf.reshape(filter, [kh * kw * ci, co]));
    return tf.reshape(y, [n, h / kh, w / kw, co]) as tf.Tensor4D;
  });
}

/**
 * `conv2dTranspose(x, filter, [N, H kh, W kw, Co], [kh, kw], 'valid')`: each input pixel
 * writes one kh x kw patch, as one matrix product.
 * @param x - [N, H, W, Ci].
 * @param filter - [kh, kw, Co, Ci], the layout of `tf.conv2dTranspose`.
 */
export function patchConv2dTranspose(x: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, co, ci] = filter.shape;
    const [n, h, w] = x.shape;
    // [kh, kw, Co, Ci] -> [Ci, kh kw Co].
    const f = tf.reshape(tf.transpose(filter, [3, 0, 1, 2]), [ci, kh * kw * co]);
    const p = tf.matMul(tf.reshape(x, [n * h * w, ci]), f) as tf.Tensor2D;
    return patchesToImage(p, n, h, w, kh, kw, co);
  });
}
