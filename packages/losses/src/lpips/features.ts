/**
 * The forward pass of an LPIPS backbone.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from './backbone.js';
import { pooledSize } from './backbone.js';
import type { ConvBranch } from './frozen-conv.js';
import { frozenConvRelu } from './frozen-conv.js';

/** Looks up a weight by its PyTorch name: conv kernels in TF.js HWIO layout, biases `[out]`. */
export type WeightLookup = (name: string) => tf.Tensor;

/** The frozen convolution `<name>.weight` / `<name>.bias` (HWIO) with padding `pad`. */
function branch(weights: WeightLookup, name: string, pad: number): ConvBranch {
  return { filter: weights(`${name}.weight`) as tf.Tensor4D, bias: weights(`${name}.bias`), pad };
}

/** Max pooling without padding; in ceil mode the bottom / right edge is padded with -Infinity. */
function maxPool(x: tf.Tensor4D, size: number, stride: number, ceil: boolean): tf.Tensor4D {
  let input = x;
  if (ceil) {
    const [, h, w] = x.shape;
    const padH = (pooledSize(h, size, stride, true) - 1) * stride + size - h;
    const padW = (pooledSize(w, size, stride, true) - 1) * stride + size - w;
    if (padH > 0 || padW > 0) {
      input = tf.pad(
        x,
        [
          [0, 0],
          [0, padH],
          [0, padW],
          [0, 0],
        ],
        -Infinity,
      );
    }
  }
  return tf.maxPool(input, size, stride, 'valid');
}

/**
 * Runs the backbone on normalized input and returns the activation at each tap, in
 * order. Call inside `tf.tidy`.
 *
 * @param backbone - The layer sequence.
 * @param weights - Weight lookup by PyTorch name.
 * @param input - NHWC batch with 3 channels, already scaled as LPIPS expects.
 *
 * @internal
 */
export function backboneFeatures(backbone: Backbone, weights: WeightLookup, input: tf.Tensor4D): tf.Tensor4D[] {
  const taps: tf.Tensor4D[] = [];
  let x = input;
  for (const op of backbone.ops) {
    switch (op.kind) {
      case 'conv':
        x = frozenConvRelu(x, [branch(weights, op.name, op.pad)], op.stride);
        break;
      case 'fire': {
        const squeezed = frozenConvRelu(x, [branch(weights, `${op.name}.squeeze`, 0)], 1);
        const expand = [branch(weights, `${op.name}.expand1x1`, 0), branch(weights, `${op.name}.expand3x3`, 1)];
        x = frozenConvRelu(squeezed, expand, 1);
        break;
      }
      case 'maxPool':
        x = maxPool(x, op.size, op.stride, op.ceil);
        break;
      case 'tap':
        taps.push(x);
        break;
    }
  }
  return taps;
}
