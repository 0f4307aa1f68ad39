import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { checkInteger, checkNhwc } from '../internal/checks.js';
import { PatchMerging } from './patch-merging.js';
import { PatchSplitting } from './patch-splitting.js';
import { PatchUnpack } from './patch-unpack.js';
import { SwinBlock } from './swin-block.js';

/**
 * What a {@link SwinStage} does after its blocks: `merge` ({@link PatchMerging}, /2),
 * `split` ({@link PatchSplitting}, x2), `unpack` ({@link PatchUnpack}, x2, with bias and no
 * norm: the last layer of a synthesis) or `none`.
 */
export type SwinResample = 'merge' | 'split' | 'unpack' | 'none';

/** Options of {@link SwinStage}. */
export interface SwinStageOptions {
  /** Number of Swin blocks (alternating W-MSA and SW-MSA, starting with W-MSA). */
  readonly depth: number;
  /** Window size w; the shifted blocks shift by floor(w / 2). */
  readonly windowSize: number;
  /** Channels per attention head; numHeads = floor(dim / headDim). Default 32 (SwinT-ChARM, EGIC). */
  readonly headDim?: number;
  /** The resampling after the blocks; default `none`. */
  readonly resample?: SwinResample;
  /** Output channels of the resampling; default: dim (`split`, `unpack`), 2 dim (`merge`). Ignored with `none`. */
  readonly outDim?: number;
  /** Hidden width of the MLPs as a multiple of dim; default 4. */
  readonly mlpRatio?: number;
}

/**
 * One stage of a Swin transform (the reference's `BasicLayer`, `swins/blocks/stage_block.py`
 * of SwinT-ChARM / EGIC): `depth` {@link SwinBlock}s of width dim, block i shifted by
 * floor(w / 2) when i is odd (W-MSA and SW-MSA alternating), with dim / headDim heads,
 * qkv bias, MLP ratio 4 and LayerNorm epsilon 1e-5; then the optional resampling
 * ({@link SwinResample}). Works on maps of any size (see {@link SwinBlock}, {@link
 * PatchMerging}).
 *
 * Shapes: [N, H, W, dim] -> [N, H, W, dim] (`none`), [N, ceil(H / 2), ceil(W / 2), outDim]
 * (`merge`), [N, 2H, 2W, outDim] (`split`, `unpack`).
 * Variables: `block0` ... `block{depth-1}`, then `downsample` (`merge`) or `upsample`
 * (`split`, `unpack`), the reference's names.
 */
export class SwinStage extends Module implements ExactEvaluable {
  /** Input channels. */
  readonly dim: number;
  /** Output channels. */
  readonly outDim: number;
  /** The blocks. */
  readonly blocks: readonly SwinBlock[];
  /** The resampling layer, or undefined for `none`. */
  readonly resampleLayer: PatchMerging | PatchSplitting | PatchUnpack | undefined;
  /** The kind of resampling. */
  readonly resample: SwinResample;

  /**
   * @param dim - Channels of the blocks.
   * @param options - Depth, window, head width, resampling.
   * @throws InvalidArgumentError for bad sizes, headDim above dim, or an unknown resampling.
   */
  constructor(dim: number, options: SwinStageOptions) {
    super();
    const owner = new.target.name;
    checkInteger(owner, 'dim', dim);
    checkInteger(owner, 'depth', options.depth, 0);
    checkInteger(owner, 'windowSize', options.windowSize);
    const headDim = options.headDim ?? 32;
    checkInteger(owner, 'headDim', headDim);
    const numHeads = Math.floor(dim / headDim);
    if (numHeads < 1) throw new InvalidArgumentError(`${owner}: headDim (${headDim}) must not exceed dim (${dim})`);
    const resample = options.resample ?? 'none';
    if (!['merge', 'split', 'unpack', 'none'].includes(resample)) {
      throw new InvalidArgumentError(`${owner}: resample must be "merge", "split", "unpack" or "none", found ${JSON.stringify(resample)}`);
    }
    this.dim = dim;
    this.resample = resample;
    const blocks: SwinBlock[] = [];
    for (let i = 0; i < options.depth; i++) {
      blocks.push(
        this.addModule(
          `block${i}`,
          new SwinBlock(dim, {
            numHeads,
            headDim,
            windowSize: options.windowSize,
            shift: i % 2 === 0 ? 0 : Math.floor(options.windowSize / 2),
            ...(options.mlpRatio === undefined ? {} : { mlpRatio: options.mlpRatio }),
          }),
        ),
      );
    }
    this.blocks = blocks;
    const out = options.outDim ?? (resample === 'merge' ? 2 * dim : dim);
    if (resample !== 'none') checkInteger(owner, 'outDim', out);
    this.outDim = resample === 'none' ? dim : out;
    this.resampleLayer =
      resample === 'merge'
        ? this.addModule('downsample', new PatchMerging(dim, out))
        : resample === 'split'
          ? this.addModule('upsample', new PatchSplitting(dim, out))
          : resample === 'unpack'
            ? this.addModule('upsample', new PatchUnpack(dim, out))
            : undefined;
  }

  /**
   * @param x - [N, H, W, dim] float32.
   * @returns The stage's output (see the class documentation for the shape).
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.dim);
    return tf.tidy(() => {
      let y = x as tf.Tensor4D;
      for (const block of this.blocks) y = block.call(y);
      return this.resampleLayer ? this.resampleLayer.call(y) : tf.clone(y);
    });
  }

  /** The deterministic twin of {@link SwinStage.call} (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const blocks = await Promise.all(this.blocks.map((b) => b.exact()));
    const resample = this.resampleLayer ? await this.resampleLayer.exact() : undefined;
    return (x) => {
      const y = blocks.reduce((h, b) => b(h), x);
      return resample ? resample(y) : y;
    };
  }
}
