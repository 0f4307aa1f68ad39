import * as tf from '@tensorflow/tfjs-core';
import { Module, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { exactDepthToSpace } from '../exact/swin-exact.js';
import { depthToSpace } from '../conv/depth-to-space.js';
import { Dense } from '../dense/dense.js';
import { checkInteger, checkNhwc } from '../internal/checks.js';

/**
 * Patch unpacking, the last up-sampling of a Swin synthesis transform (SwinT-ChARM /
 * EGIC `swins/layers/patch_splitting.py`, class `PatchUnpack`): {@link PatchSplitting}
 * without the LayerNorm and with a bias, Dense(dim -> 4 outDim) then depth-to-space by 2
 * (TensorFlow's channel order). It maps the last stage's tokens to pixels (outDim 3).
 *
 * Shapes: [N, H, W, dim] -> [N, 2H, 2W, outDim] (any H, W).
 * Variables: `reduction` (Dense, `kernel` and `bias`).
 */
export class PatchUnpack extends Module implements ExactEvaluable {
  /** Input channels. */
  readonly dim: number;
  /** Output channels. */
  readonly outDim: number;
  /** The projection dim -> 4 outDim, with bias. */
  readonly reduction: Dense;

  /**
   * @param dim - Input channels.
   * @param outDim - Output channels; default dim.
   * @throws InvalidArgumentError for non-positive sizes.
   */
  constructor(dim: number, outDim = dim) {
    super();
    checkInteger(new.target.name, 'dim', dim);
    checkInteger(new.target.name, 'outDim', outDim);
    this.dim = dim;
    this.outDim = outDim;
    this.reduction = this.addModule('reduction', new Dense(dim, 4 * outDim));
  }

  /**
   * @param x - [N, H, W, dim] float32.
   * @returns [N, 2H, 2W, outDim].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.dim);
    return tf.tidy(() => depthToSpace(this.reduction.call(x), 2));
  }

  /** The deterministic twin of {@link PatchUnpack.call} (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const reduction = await this.reduction.exact();
    return (x) => exactDepthToSpace(reduction(x), 2);
  }
}
