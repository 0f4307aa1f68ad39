import * as tf from '@tensorflow/tfjs-core';
import { Module, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { exactDepthToSpace } from '../exact/swin-exact.js';
import { depthToSpace } from '../conv/depth-to-space.js';
import { Dense } from '../dense/dense.js';
import { checkInteger, checkNhwc } from '../internal/checks.js';
import { LayerNorm, type LayerNormOptions } from './layer-norm.js';

/**
 * Patch splitting, the up-sampling between the Swin stages of a synthesis transform (Zhu,
 * Yang & Cohen 2022, "Transformer-based transform coding", section 3.1;
 * `swins/layers/patch_splitting.py` of SwinT-ChARM / EGIC): a bias-free Dense(dim ->
 * 4 outDim), LayerNorm(4 outDim), then depth-to-space by 2 (TensorFlow's channel order,
 * {@link depthToSpace}).
 *
 * Shapes: [N, H, W, dim] -> [N, 2H, 2W, outDim] (any H, W).
 * Variables: `norm` ({@link LayerNorm} of 4 outDim), `reduction` (Dense, `kernel` only).
 */
export class PatchSplitting extends Module implements ExactEvaluable {
  /** Input channels. */
  readonly dim: number;
  /** Output channels. */
  readonly outDim: number;
  /** LayerNorm over the 4 outDim channels before depth-to-space. */
  readonly norm: LayerNorm;
  /** The bias-free projection dim -> 4 outDim. */
  readonly reduction: Dense;

  /**
   * @param dim - Input channels.
   * @param outDim - Output channels; default dim.
   * @param options - LayerNorm epsilon (default 1e-5).
   * @throws InvalidArgumentError for non-positive sizes.
   */
  constructor(dim: number, outDim = dim, options: LayerNormOptions = {}) {
    super();
    checkInteger(new.target.name, 'dim', dim);
    checkInteger(new.target.name, 'outDim', outDim);
    this.dim = dim;
    this.outDim = outDim;
    this.norm = this.addModule('norm', new LayerNorm(4 * outDim, options));
    this.reduction = this.addModule('reduction', new Dense(dim, 4 * outDim, { useBias: false }));
  }

  /**
   * @param x - [N, H, W, dim] float32.
   * @returns [N, 2H, 2W, outDim].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.dim);
    return tf.tidy(() => depthToSpace(this.norm.call(this.reduction.call(x)), 2));
  }

  /** The deterministic twin of {@link PatchSplitting.call} (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const reduction = await this.reduction.exact();
    const norm = await this.norm.exact();
    return (x) => exactDepthToSpace(norm(reduction(x)), 2);
  }
}
