import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { checkInteger, describe } from '../internal/checks.js';

/**
 * Rearranges channels into space, as TensorFlow's `depth_to_space` (NHWC, "DCR" order):
 * output[n, h * r + i, w * r + j, c] = input[n, h, w, (i * r + j) * C + c].
 *
 * Built from reshape and transpose rather than `tf.depthToSpace`, because TF.js registers
 * no gradient for `DepthToSpace`; the values are identical. PyTorch's `pixel_shuffle`
 * orders channels differently (`c * r * r + i * r + j`): permute the producing
 * convolution's output channels accordingly when loading PyTorch weights.
 *
 * @param x - [N, H, W, C * r * r] float32.
 * @param blockSize - r, an integer >= 1.
 * @returns [N, H * r, W * r, C].
 * @throws ShapeError when the input is not rank 4 or its channels are not a multiple of r^2.
 */
export function depthToSpace(x: tf.Tensor, blockSize: number): tf.Tensor4D {
  checkInteger('depthToSpace', 'blockSize', blockSize);
  if (!(x instanceof tf.Tensor)) throw new InvalidArgumentError(`depthToSpace: x must be a tf.Tensor, found ${typeof x}`);
  const r = blockSize;
  const [n = 0, h = 0, w = 0, c = 0] = x.shape;
  if (x.rank !== 4 || c % (r * r) !== 0) {
    throw new ShapeError(`depthToSpace: expected [N, H, W, C * ${r * r}] (channels a multiple of ${r * r}), found ${describe(x)}`);
  }
  const depth = c / (r * r);
  return tf.tidy(() => {
    // [N, H, W, r, r * C] -> [N, H, r, W, r * C]: rows h * r + i, then (w, j, c) flatten to
    // (w * r + j) * C + c.
    const split = tf.reshape(x, [n, h, w, r, r * depth]);
    return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4]), [n, h * r, w * r, depth]);
  });
}
