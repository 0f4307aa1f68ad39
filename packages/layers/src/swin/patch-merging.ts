import * as tf from '@tensorflow/tfjs-core';
import { Module, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { Dense } from '../dense/dense.js';
import { checkInteger, checkNhwc } from '../internal/checks.js';
import { LayerNorm, type LayerNormOptions } from './layer-norm.js';

/**
 * Swin's patch merging, the down-sampling between stages (Liu et al. 2021;
 * `swins/layers/patch_merging.py` of SwinT-ChARM / EGIC): every 2 x 2 neighbourhood is
 * concatenated along channels in the order
 *
 *     [x[2i, 2j], x[2i + 1, 2j], x[2i, 2j + 1], x[2i + 1, 2j + 1]]       (4 dim channels)
 *
 * then LayerNorm(4 dim) and a bias-free Dense(4 dim -> outDim).
 *
 * **Odd sizes.** A map with an odd height or width is zero-padded by one row / column at
 * the bottom / right first (as the original Swin's `PatchMerging`), so the output is
 * ceil(H / 2) x ceil(W / 2).
 *
 * Shapes: [N, H, W, dim] -> [N, ceil(H / 2), ceil(W / 2), outDim].
 * Variables: `norm` ({@link LayerNorm} of 4 dim), `reduction` (Dense, `kernel` only).
 */
export class PatchMerging extends Module implements ExactEvaluable {
  /** Input channels. */
  readonly dim: number;
  /** Output channels. */
  readonly outDim: number;
  /** LayerNorm over the 4 dim concatenated channels. */
  readonly norm: LayerNorm;
  /** The bias-free projection 4 dim -> outDim. */
  readonly reduction: Dense;

  /**
   * @param dim - Input channels.
   * @param outDim - Output channels; default 2 dim (Swin's).
   * @param options - LayerNorm epsilon (default 1e-5).
   * @throws InvalidArgumentError for non-positive sizes.
   */
  constructor(dim: number, outDim = 2 * dim, options: LayerNormOptions = {}) {
    super();
    checkInteger(new.target.name, 'dim', dim);
    checkInteger(new.target.name, 'outDim', outDim);
    this.dim = dim;
    this.outDim = outDim;
    this.norm = this.addModule('norm', new LayerNorm(4 * dim, options));
    this.reduction = this.addModule('reduction', new Dense(4 * dim, outDim, { useBias: false }));
  }

  /**
   * @param x - [N, H, W, dim] float32.
   * @returns [N, ceil(H / 2), ceil(W / 2), outDim].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.dim);
    const [n, h, w, c] = x.shape;
    return tf.tidy(() => {
      const even =
        h % 2 === 0 && w % 2 === 0
          ? x
          : tf.pad(x, [
              [0, 0],
              [0, h % 2],
              [0, w % 2],
              [0, 0],
            ]);
      const h2 = Math.ceil(h / 2);
      const w2 = Math.ceil(w / 2);
      // [N, h2, dy, w2, dx, C] -> [N, h2, w2, dx, dy, C]: channel block dx * 2 + dy, the reference's order.
      const grouped = tf.transpose(tf.reshape(even, [n, h2, 2, w2, 2, c]), [0, 1, 3, 4, 2, 5]);
      return this.reduction.call(this.norm.call(tf.reshape(grouped, [n, h2, w2, 4 * c]))) as tf.Tensor4D;
    });
  }

  /** The deterministic twin of {@link PatchMerging.call} (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const norm = await this.norm.exact();
    const reduction = await this.reduction.exact();
    return (x) => {
      const { height: h, width: w, channels: c } = x;
      const h2 = Math.ceil(h / 2);
      const w2 = Math.ceil(w / 2);
      const grouped = new Float64Array(h2 * w2 * 4 * c);
      for (let y = 0; y < h2; y++) {
        for (let xx = 0; xx < w2; xx++) {
          for (let dx = 0; dx < 2; dx++) {
            for (let dy = 0; dy < 2; dy++) {
              const sy = 2 * y + dy;
              const sx = 2 * xx + dx;
              if (sy >= h || sx >= w) continue;
              grouped.set(x.data.subarray((sy * w + sx) * c, (sy * w + sx + 1) * c), ((y * w2 + xx) * 4 + dx * 2 + dy) * c);
            }
          }
        }
      }
      return reduction(norm({ height: h2, width: w2, channels: 4 * c, data: grouped }));
    };
  }
}
