import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core';

/** Fan-in and fan-out of a weight, as Keras computes them (receptive field x channels). */
export interface Fans {
  /** Inputs feeding one output unit: `kh * kw * inChannels` for a convolution. */
  readonly fanIn: number;
  /** Outputs fed by one input unit: `kh * kw * outChannels` for a convolution. */
  readonly fanOut: number;
}

/**
 * How a kernel is initialised:
 * - `'glorotUniform'` (default of every layer here, as Keras `Conv2D`, `Conv2DTranspose`
 *   and `Dense`, which the HiFiC and MRIC reference code use): U(-l, l) with
 *   l = sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010);
 * - `'heNormal'`: truncated normal with standard deviation sqrt(2 / fanIn) (He et al. 2015,
 *   Keras `he_normal`), for ReLU stacks;
 * - a function receiving the kernel shape and its fans and returning a new tensor of that
 *   shape (for example `(s) => tf.randomNormal(s, 0, 0.02)`, the N(0, 0.02) init of the
 *   HiFiC / MRIC discriminators).
 */
export type KernelInitializer = 'glorotUniform' | 'heNormal' | ((shape: number[], fans: Fans) => tf.Tensor);

// Keras' variance-scaling truncated normal: the stddev of N(0, 1) truncated to [-2, 2].
const TRUNCATED_STDDEV = 0.8796256610342398;

/**
 * A new float32 tensor of `shape` initialised by `init`.
 *
 * @throws InvalidArgumentError for an unknown name or a function returning another shape.
 */
export function initKernel(owner: string, init: KernelInitializer, shape: number[], fans: Fans): tf.Tensor {
  if (init === 'glorotUniform') {
    const limit = Math.sqrt(6 / (fans.fanIn + fans.fanOut));
    return tf.randomUniform(shape, -limit, limit, 'float32');
  }
  if (init === 'heNormal') {
    return tf.truncatedNormal(shape, 0, Math.sqrt(2 / fans.fanIn) / TRUNCATED_STDDEV, 'float32');
  }
  if (typeof init !== 'function') {
    throw new InvalidArgumentError(`${owner}: kernelInitializer must be 'glorotUniform', 'heNormal' or a function, found ${String(init)}`);
  }
  const value = init([...shape], fans);
  if (!(value instanceof tf.Tensor) || !tf.util.arraysEqual(value.shape, shape)) {
    const found = value instanceof tf.Tensor ? `[${value.shape.join(', ')}]` : typeof value;
    throw new InvalidArgumentError(`${owner}: kernelInitializer must return a tensor of shape [${shape.join(', ')}], found ${found}`);
  }
  return value.dtype === 'float32' ? value : tf.cast(value, 'float32');
}
