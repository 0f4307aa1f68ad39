/**
 * Rate in bits per pixel (bpp), the rate term `R` of a rate-distortion loss
 * (Ballé et al., "End-to-end optimized image compression", ICLR 2017; TFC's
 * `bits / num_pixels`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { checkFloatTensor, describeShape } from '../internal/checks.js';
import type { Reduced, Reduction, ReductionOptions } from '../reduction.js';
import { checkReduction, reduce } from '../reduction.js';

/** An NHWC image-batch shape `[batch, height, width, channels]`, e.g. `x.shape`. */
export type ImageShape = readonly [number, number, number, number];

function checkImageShape(fn: string, shape: unknown): asserts shape is ImageShape {
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d > 0)) {
    throw new ShapeError(`${fn}: imageShape must be an NHWC shape [batch, height, width, channels] of positive integers, found ${JSON.stringify(shape)}`);
  }
}

/**
 * Bits per pixel from a bit count and the shape of the image batch those bits code.
 *
 * - a number or scalar tensor is the total over the batch: divided by
 *   `batch * height * width` (the batch's mean bpp, as TFC computes it);
 * - a `[batch]` tensor holds bits per image: each is divided by `height * width`.
 *
 * Channels do not count: bpp is per pixel, not per sample. Tensors are differentiable.
 *
 * @typeParam T - A number, `tf.Scalar` or `tf.Tensor1D`; the result has the same type.
 * @param bits - Bits, total (number or scalar) or per image (`[batch]`).
 * @param imageShape - The NHWC shape of the image batch, e.g. `x.shape`.
 * @returns Bits per pixel, of the same kind as `bits` (a new tensor for tensor input).
 * @throws ShapeError for a bad `imageShape`, or per-image bits whose length is not the
 *   batch size or whose rank is above 1; InvalidArgumentError for a non-finite number
 *   or a non-float32 tensor.
 */
export function bitsPerPixel<T extends number | tf.Scalar | tf.Tensor1D>(bits: T, imageShape: ImageShape): T {
  checkImageShape('bitsPerPixel', imageShape);
  const [n, h, w] = imageShape;
  if (typeof bits === 'number') {
    if (Number.isNaN(bits)) throw new InvalidArgumentError(`bitsPerPixel: bits must be a number, found NaN`);
    return (bits / (n * h * w)) as T;
  }
  checkFloatTensor('bitsPerPixel', 'bits', bits);
  if (bits.rank === 0) return tf.div(bits, n * h * w) as T;
  if (bits.rank !== 1 || bits.shape[0] !== n) {
    throw new ShapeError(
      `bitsPerPixel: bits must be a scalar (total) or [${n}] (per image) for image shape ${describeShape(imageShape)}, found ${describeShape(bits.shape)}`,
    );
  }
  return tf.div(bits, h * w) as T;
}

/**
 * Bits per pixel implied by entropy-model likelihoods: `sum(-log2 p) / (height * width)`
 * per image, summed over every tensor given (e.g. the latents' and the hyper-latents'
 * likelihoods of a hyperprior model, Ballé et al. 2018). This is the differentiable rate
 * estimate used for training; the coded size is within a few bytes of it.
 *
 * Likelihoods must be probabilities in `(0, 1]`; entropy models bound them away from 0
 * (a zero gives `+Infinity`).
 *
 * @typeParam R - The reduction; `'none'` unless given.
 * @param likelihoods - One tensor or several, each float32 with the batch first
 *   (`[batch, ...]`, e.g. NHWC latents), all with the image batch's size.
 * @param imageShape - The NHWC shape of the coded image batch, e.g. `x.shape`.
 * @param options - `reduction`: `'none'` (default) returns bpp per image `[batch]`;
 *   `'mean'` the batch mean (total bits / total pixels).
 * @returns Bits per pixel, `[batch]` or a scalar.
 * @throws ShapeError when a tensor has rank 0 or another batch size, or `imageShape` is
 *   bad; InvalidArgumentError for an empty list or a non-float32 tensor.
 */
export function bppFromLikelihoods<R extends Reduction = 'none'>(
  likelihoods: tf.Tensor | readonly tf.Tensor[],
  imageShape: ImageShape,
  options: ReductionOptions<R> = {},
): Reduced<R> {
  const fn = 'bppFromLikelihoods';
  checkImageShape(fn, imageShape);
  const reduction = options.reduction ?? 'none';
  checkReduction(fn, reduction);
  const list = Array.isArray(likelihoods) ? (likelihoods as readonly tf.Tensor[]) : [likelihoods as tf.Tensor];
  if (list.length === 0) throw new InvalidArgumentError(`${fn}: likelihoods must hold at least one tensor`);
  const [n, h, w] = imageShape;
  list.forEach((t, i) => {
    const name = list.length === 1 ? 'likelihoods' : `likelihoods[${i}]`;
    checkFloatTensor(fn, name, t);
    if (t.rank === 0 || t.shape[0] !== n) {
      throw new ShapeError(`${fn}: ${name} must have the image batch size ${n} as its first dimension, found ${describeShape(t.shape)}`);
    }
  });
  return tf.tidy(() => {
    let bits: tf.Tensor1D = tf.zeros([n]);
    for (const t of list) {
      // A tensor with an empty dimension holds no symbols: zero bits.
      if (t.size === 0) continue;
      const logs = tf.log(t);
      const perImage = t.rank === 1 ? logs : tf.sum(tf.reshape(logs, [n, t.size / n]), 1);
      bits = tf.sub(bits, tf.mul(perImage, 1 / Math.LN2));
    }
    return reduce(tf.div(bits, h * w) as tf.Tensor1D, reduction as R);
  });
}
