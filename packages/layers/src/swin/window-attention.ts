import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, ShapeError } from '@ncomp/core';
import { Dense } from '../dense/dense.js';
import { checkChannelsLast, checkInteger, checkTensor, describe } from '../internal/checks.js';
import { relativePositionIndex } from './attention-mask.js';

/** Options of {@link WindowAttention}. */
export interface WindowAttentionOptions {
  /** Number of attention heads. */
  readonly numHeads: number;
  /** Window size w (windows of w x w tokens). */
  readonly windowSize: number;
  /** Channels per head; default dim / numHeads (EGIC: 32). */
  readonly headDim?: number;
  /** Whether the query / key / value projection has a bias; default `true`. */
  readonly qkvBias?: boolean;
}

/**
 * Window multi-head self-attention with a relative position bias (W-MSA; Liu et al. 2021,
 * "Swin Transformer"; the TensorFlow port `swins/layers/window_attn.py` that SwinT-ChARM
 * and EGIC use). Every window of w² tokens attends within itself:
 *
 *     q, k, v = split(x Wqkv + bqkv)                       (numHeads heads of headDim)
 *     A = softmax(q kᵀ / sqrt(headDim) + B + M)            B[h, i, j] = table[index(i, j), h]
 *     y = concat_heads(A v) Wproj + bproj
 *
 * with B the learned relative-position bias ({@link relativePositionIndex}; the table is
 * initialised to zeros as in the reference) and M an optional additive mask per window
 * (shifted windows, padding: {@link windowAttentionMask}).
 *
 * The bias is gathered as a product with a constant one-hot matrix rather than with
 * `tf.gather`, whose gradient needs the `UnsortedSegmentSum` kernel the wasm backend lacks.
 * q, k and v are computed from the three column blocks of the `qkv` kernel and arranged
 * with rank-4 transposes only (a rank-5 transpose was several times slower on wasm).
 *
 * Shapes: windows [B, w², dim] (B = batch x windows), mask [windows, w², w²] with B a
 * multiple of `windows` (window-major inside each image, as {@link windowPartition}
 * orders them) -> [B, w², dim].
 * Variables: `relative_position_bias_table` [(2w - 1)², numHeads], `qkv` (Dense dim ->
 * 3 numHeads headDim), `proj` (Dense numHeads headDim -> dim).
 */
export class WindowAttention extends Module {
  /** Channels of the tokens. */
  readonly dim: number;
  /** Number of heads. */
  readonly numHeads: number;
  /** Channels per head. */
  readonly headDim: number;
  /** Window size w. */
  readonly windowSize: number;
  /** The relative-position bias table [(2w - 1)², numHeads]. */
  readonly relativePositionBiasTable: tf.Variable;
  /** Query, key and value projection. */
  readonly qkv: Dense;
  /** Output projection. */
  readonly proj: Dense;

  /**
   * @param dim - Channels of the tokens.
   * @param options - Heads, window size, head width, qkv bias.
   * @throws InvalidArgumentError for non-positive sizes, or `numHeads` not dividing `dim`
   *   when `headDim` is not given.
   */
  constructor(dim: number, options: WindowAttentionOptions) {
    super();
    const owner = new.target.name;
    checkInteger(owner, 'dim', dim);
    checkInteger(owner, 'numHeads', options.numHeads);
    checkInteger(owner, 'windowSize', options.windowSize);
    if (options.headDim === undefined && dim % options.numHeads !== 0) {
      throw new InvalidArgumentError(`${owner}: numHeads (${options.numHeads}) must divide dim (${dim}) unless headDim is given`);
    }
    this.dim = dim;
    this.numHeads = options.numHeads;
    this.headDim = options.headDim ?? dim / options.numHeads;
    checkInteger(owner, 'headDim', this.headDim);
    this.windowSize = options.windowSize;
    const span = 2 * this.windowSize - 1;
    this.relativePositionBiasTable = this.addWeight('relative_position_bias_table', () => tf.zeros([span * span, this.numHeads]));
    const inner = this.numHeads * this.headDim;
    this.qkv = this.addModule('qkv', new Dense(dim, 3 * inner, { useBias: options.qkvBias ?? true }));
    this.proj = this.addModule('proj', new Dense(inner, dim));
  }

  /** The relative-position bias B [numHeads, w², w²] (a new tensor, differentiable in the table). */
  relativePositionBias(): tf.Tensor3D {
    const w = this.windowSize;
    const n = w * w;
    const span = 2 * w - 1;
    return tf.tidy(() => {
      const oneHot = tf.oneHot(tf.tensor1d(relativePositionIndex(w), 'int32'), span * span);
      const bias = tf.matMul(oneHot, this.relativePositionBiasTable); // [n², heads]
      return tf.transpose(tf.reshape(bias, [n, n, this.numHeads]), [2, 0, 1]) as tf.Tensor3D;
    });
  }

  /**
   * @param windows - [B, w², dim] float32 token windows.
   * @param mask - Optional additive mask [windows, w², w²] (0 where attention is allowed,
   *   a large negative number where not), B a multiple of `windows`.
   * @returns [B, w², dim].
   * @throws ShapeError for shapes that do not fit.
   */
  call(windows: tf.Tensor, mask?: tf.Tensor): tf.Tensor3D {
    const owner = this.constructor.name;
    checkChannelsLast(owner, windows, this.dim, 3);
    const n = this.windowSize * this.windowSize;
    const [b = 0, tokens = 0] = windows.shape;
    if (windows.rank !== 3 || tokens !== n) {
      throw new ShapeError(
        `${owner}: expected windows [batch x windows, ${n}, ${this.dim}] (${this.windowSize}x${this.windowSize} tokens), found ${describe(windows)}`,
      );
    }
    if (mask !== undefined) {
      checkTensor(owner, 'mask', mask);
      const [m = 0, q = 0, k = 0] = mask.shape;
      if (mask.rank !== 3 || q !== n || k !== n || m < 1 || b % m !== 0) {
        throw new ShapeError(`${owner}: mask must be [windows, ${n}, ${n}] with windows dividing the ${b} windows of the batch, found ${describe(mask)}`);
      }
    }
    const heads = this.numHeads;
    const d = this.headDim;
    const inner = heads * d;
    return tf.tidy(() => {
      // q, k, v from column blocks of the one qkv kernel; rank-4 transposes only.
      const flat = tf.reshape(windows, [b * n, this.dim]);
      const kernel = this.qkv.kernel;
      const bias = this.qkv.bias;
      const project = (i: number, perm: number[]): tf.Tensor4D => {
        const k = tf.slice(kernel, [0, i * inner], [-1, inner]);
        const y = tf.matMul(flat, k);
        const biased = bias === undefined ? y : tf.add(y, tf.slice(bias, [i * inner], [inner]));
        return tf.transpose(tf.reshape(biased, [b, n, heads, d]), perm);
      };
      const q = project(0, [0, 2, 1, 3]); // [B, heads, n, d]
      const kT = project(1, [0, 2, 3, 1]); // [B, heads, d, n]
      const v = project(2, [0, 2, 1, 3]);
      let logits: tf.Tensor = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(d)), kT), this.relativePositionBias()); // [B, heads, n, n]
      if (mask !== undefined) {
        const m = mask.shape[0]!;
        logits = tf.reshape(tf.add(tf.reshape(logits, [b / m, m, heads, n, n]), tf.reshape(mask, [1, m, 1, n, n])), [b, heads, n, n]);
      }
      const out = tf.matMul(tf.softmax(logits), v); // [B, heads, n, d]
      return this.proj.call(tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, n, inner])) as tf.Tensor3D;
    });
  }
}
