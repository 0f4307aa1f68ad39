/**
 * Tensor operations the discriminators share: nearest-neighbour upsampling by an integer
 * factor (then cropped to a target size) and 2x2 average pooling
 * that rounds odd sizes up. All are differentiable on every backend ncomp supports
 * (wasm included) and none is wrapped in a tidy: callers run them inside theirs.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Nearest-neighbour upsampling of `x` [N, h, w, C] by the integer `factor` (every pixel
 * repeated `factor` x `factor` times, as Keras `UpSampling2D` and PyTorch
 * `Upsample(scale_factor, 'nearest')`), then cropped to `[height, width]` (which must be
 * at most `factor * h` and `factor * w`). Implemented as a broadcasting multiply, which
 * has an exact gradient on every backend.
 *
 * @internal
 */
export function upsampleNearest(x: tf.Tensor4D, factor: number, height: number, width: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let y: tf.Tensor4D = x;
  if (factor !== 1) {
    const expanded = tf.mul(tf.reshape(x, [n, h, 1, w, 1, c]), tf.ones([1, 1, factor, 1, factor, 1]));
    y = tf.reshape(expanded, [n, h * factor, w * factor, c]);
  }
  return height === y.shape[1] && width === y.shape[2] ? y : tf.slice(y, [0, 0, 0, 0], [n, height, width, c]);
}

/**
 * 2x2 average pooling with stride 2 giving `ceil(H / 2)` x `ceil(W / 2)`: an odd last row
 * or column is first repeated, which equals TensorFlow's `same` average pooling (padding
 * excluded from the mean). Even sizes give exactly `AvgPool2d(2)` / `AveragePooling2D()`.
 *
 * @internal
 */
export function avgPool2xCeil(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  let p = x;
  if (h % 2 === 1) p = tf.concat([p, tf.slice(p, [0, h - 1, 0, 0], [-1, 1, -1, -1])], 1);
  if (w % 2 === 1) p = tf.concat([p, tf.slice(p, [0, 0, w - 1, 0], [-1, -1, 1, -1])], 2);
  return tf.avgPool(p, 2, 2, 'valid');
}

/**
 * The conditioning latent brought to the image grid: a latent of `ceil(H / stride)` x
 * `ceil(W / stride)` pixels is repeated `stride` times per axis (latent pixel i covers
 * image rows `stride * i ... stride * i + stride - 1`, the grid of a stride-`stride`
 * `same` encoder) and cropped to `H` x `W`. For `H` and `W` multiples of `stride` this is
 * exactly `tf.image.resize(latent, [H, W], 'nearest')` as HiFiC and EGIC call it.
 *
 * @internal
 */
export function latentToImageGrid(latent: tf.Tensor4D, stride: number, height: number, width: number): tf.Tensor4D {
  return upsampleNearest(latent, stride, height, width);
}
