import { exactConv2d, exactConv2dTranspose, readExact, transposedConvWeights, type ExactConvGeometry, type ExactConvWeights, type ExactFn } from '@ncomp/core';
import type * as tf from '@tensorflow/tfjs-core';
import { convOutputLength, convTransposeOutputLength, type ConvPadding } from '../conv/padding.js';

/** Zeros before the first row (or column) of a convolution, as `tfPadding` gives TF.js. */
function padBefore(padding: ConvPadding, length: number, kernel: number, stride: number): number {
  if (padding === 'valid') return 0;
  if (padding === 'same_zeros') return Math.floor(kernel / 2);
  const out = Math.ceil(length / stride);
  return Math.floor(Math.max((out - 1) * stride + kernel - length, 0) / 2);
}

/** The geometry of a convolution of an `h` x `w` input. */
export function convGeometry(
  padding: ConvPadding,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  h: number,
  w: number,
): ExactConvGeometry {
  return {
    stride,
    padTop: padBefore(padding, h, kernel[0], stride[0]),
    padLeft: padBefore(padding, w, kernel[1], stride[1]),
    outHeight: convOutputLength(h, kernel[0], stride[0], padding),
    outWidth: convOutputLength(w, kernel[1], stride[1], padding),
  };
}

/** The geometry of a transposed convolution of an `h` x `w` input (that of the convolution it is the gradient of). */
export function convTransposeGeometry(
  padding: ConvPadding,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  h: number,
  w: number,
): ExactConvGeometry {
  const outHeight = convTransposeOutputLength(h, kernel[0], stride[0], padding);
  const outWidth = convTransposeOutputLength(w, kernel[1], stride[1], padding);
  return {
    stride,
    padTop: padBefore(padding, outHeight, kernel[0], stride[0]),
    padLeft: padBefore(padding, outWidth, kernel[1], stride[1]),
    outHeight,
    outWidth,
  };
}

/** What a convolution layer's deterministic twin needs. */
export interface ConvLayerParts {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** `[kh, kw]`. */
  readonly kernelSize: readonly [number, number];
  /** `[sh, sw]`. */
  readonly stride: readonly [number, number];
  /** Padding mode. */
  readonly padding: ConvPadding;
  /** The filter variable. */
  readonly kernel: tf.Tensor;
  /** The bias variable, or none. */
  readonly bias: tf.Tensor | undefined;
}

/** The deterministic twin of a {@link Conv2d}-like layer (filter `[kh, kw, in, out]`). */
export async function exactConvLayer(layer: ConvLayerParts): Promise<ExactFn> {
  const [kh, kw] = layer.kernelSize;
  const weights = {
    kernelHeight: kh,
    kernelWidth: kw,
    inChannels: layer.inChannels,
    outChannels: layer.outChannels,
    kernel: await readExact(layer.kernel),
    bias: layer.bias ? await readExact(layer.bias) : undefined,
  };
  return (x) => exactConv2d(x, weights, convGeometry(layer.padding, layer.kernelSize, layer.stride, x.height, x.width));
}

/**
 * Reordered filters by the filter's values as {@link readExact} returns them (the same array
 * until the variable is assigned again), so that a twin made again for every image (the
 * codecs call `exact()` per image) finds the kernel it packed last time.
 */
const reordered = new WeakMap<Float64Array, ExactConvWeights>();

/** The deterministic twin of a {@link ConvTranspose2d}-like layer (filter `[kh, kw, out, in]`). */
export async function exactConvTransposeLayer(layer: ConvLayerParts): Promise<ExactFn> {
  const [kh, kw] = layer.kernelSize;
  const bias = layer.bias ? await readExact(layer.bias) : undefined;
  const filter = await readExact(layer.kernel);
  const hit = reordered.get(filter);
  const same = hit !== undefined && hit.bias === bias && hit.kernelHeight === kh && hit.kernelWidth === kw && hit.inChannels === layer.inChannels;
  const weights = hit && same ? hit : transposedConvWeights(filter, kh, kw, layer.outChannels, layer.inChannels, bias);
  reordered.set(filter, weights);
  return (x) => exactConv2dTranspose(x, weights, convTransposeGeometry(layer.padding, layer.kernelSize, layer.stride, x.height, x.width));
}
