import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, addMaps, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { exactWindowAttention } from '../exact/swin-exact.js';
import { checkInteger, checkNhwc, checkPositive } from '../internal/checks.js';
import { windowAttentionMask } from './attention-mask.js';
import { LayerNorm } from './layer-norm.js';
import { SwinMlp } from './swin-mlp.js';
import { WindowAttention } from './window-attention.js';
import { padToMultiple, roll2d, windowPartition, windowReverse } from './windows.js';

/** Options of {@link SwinBlock}. */
export interface SwinBlockOptions {
  /** Number of attention heads. */
  readonly numHeads: number;
  /** Window size w. */
  readonly windowSize: number;
  /** Cyclic shift s of the windows, 0 (W-MSA) or, in Swin, floor(w / 2) (SW-MSA); 0 <= s < w. Default 0. */
  readonly shift?: number;
  /** Channels per head; default dim / numHeads. */
  readonly headDim?: number;
  /** Hidden width of the MLP as a multiple of dim; default 4. */
  readonly mlpRatio?: number;
  /** Whether the qkv projection has a bias; default `true`. */
  readonly qkvBias?: boolean;
  /** LayerNorm epsilon; default 1e-5. */
  readonly epsilon?: number;
}

/**
 * A Swin transformer block (Liu et al. 2021; `swins/blocks/swin_transformer_block.py` of
 * the SwinT-ChARM / EGIC code), pre-norm, on NHWC maps:
 *
 *     h = windows(LN1(x))                    pad to whole windows, shift by (-s, -s), partition
 *     x = x + crop(unshift(W-MSA(h, mask)))  {@link WindowAttention}
 *     x = x + MLP(LN2(x))                    {@link SwinMlp}, GELU, hidden = mlpRatio · dim
 *
 * With s = 0 the windows are the regular grid (W-MSA); with s > 0 they are shifted
 * (SW-MSA) and the mask of {@link windowAttentionMask} keeps tokens that the cyclic shift
 * brought together from different parts of the map from attending to each other.
 *
 * **Any size.** A map whose height or width is not a multiple of w is zero-padded at the
 * bottom and right after LN1 (as the original Swin does), and the padding is cropped away
 * after the attention, so the residual stream and the MLP only ever see the real tokens.
 * Unlike the original Swin, padding tokens are also masked out as keys, so the output does
 * not depend on the amount of padding; on maps that are multiples of w the block computes
 * exactly the reference's function. A map smaller than a window is one padded window.
 *
 * Shapes: [N, H, W, dim] -> [N, H, W, dim].
 * Variables: `norm1`, `attn` ({@link WindowAttention}), `norm2`, `mlp` ({@link SwinMlp}).
 */
export class SwinBlock extends Module implements ExactEvaluable {
  /** Channels. */
  readonly dim: number;
  /** Window size w. */
  readonly windowSize: number;
  /** Cyclic shift s. */
  readonly shift: number;
  /** Pre-attention LayerNorm. */
  readonly norm1: LayerNorm;
  /** Window attention. */
  readonly attn: WindowAttention;
  /** Pre-MLP LayerNorm. */
  readonly norm2: LayerNorm;
  /** The MLP. */
  readonly mlp: SwinMlp;

  /**
   * @param dim - Channels.
   * @param options - Heads, window, shift, MLP ratio.
   * @throws InvalidArgumentError for bad sizes or a shift outside [0, w).
   */
  constructor(dim: number, options: SwinBlockOptions) {
    super();
    const owner = new.target.name;
    checkInteger(owner, 'dim', dim);
    checkInteger(owner, 'windowSize', options.windowSize);
    const shift = options.shift ?? 0;
    if (!Number.isInteger(shift) || shift < 0 || shift >= options.windowSize) {
      throw new InvalidArgumentError(`${owner}: shift must be an integer in [0, ${options.windowSize - 1}] (below the window size), found ${String(shift)}`);
    }
    const ratio = options.mlpRatio ?? 4;
    checkPositive(owner, 'mlpRatio', ratio);
    this.dim = dim;
    this.windowSize = options.windowSize;
    this.shift = shift;
    const eps = options.epsilon === undefined ? {} : { epsilon: options.epsilon };
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, eps));
    this.attn = this.addModule(
      'attn',
      new WindowAttention(dim, {
        numHeads: options.numHeads,
        windowSize: options.windowSize,
        ...(options.headDim === undefined ? {} : { headDim: options.headDim }),
        ...(options.qkvBias === undefined ? {} : { qkvBias: options.qkvBias }),
      }),
    );
    this.norm2 = this.addModule('norm2', new LayerNorm(dim, eps));
    this.mlp = this.addModule('mlp', new SwinMlp(dim, Math.max(1, Math.floor(dim * ratio))));
  }

  /** The attention mask of an H x W map (see {@link windowAttentionMask}), or undefined when none is needed. */
  attentionMask(height: number, width: number): Float32Array | undefined {
    return windowAttentionMask(height, width, this.windowSize, this.shift);
  }

  /**
   * @param x - [N, H, W, dim] float32, any H and W.
   * @returns [N, H, W, dim].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.dim);
    const [, h, w] = x.shape;
    const win = this.windowSize;
    const s = this.shift;
    const maskValues = this.attentionMask(h, w);
    return tf.tidy(() => {
      let t = padToMultiple(this.norm1.call(x), win);
      const [, hp, wp] = t.shape;
      if (s > 0) t = roll2d(t, -s, -s);
      const n = win * win;
      const mask = maskValues === undefined ? undefined : tf.tensor3d(maskValues, [maskValues.length / (n * n), n, n]);
      let a = windowReverse(this.attn.call(windowPartition(t, win), mask), win, hp, wp);
      if (s > 0) a = roll2d(a, s, s);
      if (hp !== h || wp !== w) a = tf.slice(a, [0, 0, 0, 0], [-1, h, w, -1]);
      const y = tf.add(x, a);
      return tf.add(y, this.mlp.call(this.norm2.call(y))) as tf.Tensor4D;
    });
  }

  /** The deterministic twin of {@link SwinBlock.call} (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const norm1 = await this.norm1.exact();
    const attn = await exactWindowAttention(this.attn, this.shift);
    const norm2 = await this.norm2.exact();
    const mlp = await this.mlp.exact();
    return (x) => {
      const y = addMaps(x, attn(norm1(x)));
      return addMaps(y, mlp(norm2(y)));
    };
  }
}
