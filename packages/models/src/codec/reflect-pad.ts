import * as tf from '@tensorflow/tfjs-core';
import { replicatePad } from './replicate-pad.js';

/** How {@link ImageCodec.compress} pads an image to the codec's multiple: edge replication or reflection. */
export type PadMode = 'replicate' | 'reflect';

/**
 * Index `i` of a reflected axis of length `n` (…, 2, 1, [0, 1, …, n - 1], n - 2, …), periodic
 * with period 2(n - 1) so any padding width works (`tf.mirrorPad` needs it below `n`).
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const k = ((i % period) + period) % period;
  return k < n ? k : period - k;
}

/**
 * Pads an NHWC tensor at the bottom and right by reflection without repeating the edge
 * (TFC's HiFiC pads evaluation images with `mode="REFLECT"`), repeating the reflection where
 * the padding is wider than the image. Differentiable (a gather per axis).
 */
export function reflectPad(x: tf.Tensor4D, bottom: number, right: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.tidy(() => {
    const rows = tf.tensor1d(
      Array.from({ length: h + bottom }, (_, i) => reflectIndex(i, h)),
      'int32',
    );
    const cols = tf.tensor1d(
      Array.from({ length: w + right }, (_, i) => reflectIndex(i, w)),
      'int32',
    );
    return tf.gather(tf.gather(x, rows, 1), cols, 2) as tf.Tensor4D;
  });
}

/** Pads by `mode` (see {@link PadMode}). */
export function padImage(x: tf.Tensor4D, bottom: number, right: number, mode: PadMode): tf.Tensor4D {
  return mode === 'reflect' ? reflectPad(x, bottom, right) : replicatePad(x, bottom, right);
}
