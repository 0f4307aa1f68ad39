import { InvalidArgumentError, Module, ShapeError, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { Conv2d, SwinStage, type SwinResample } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';

/** One stage of a {@link SwinTransform}. */
export interface SwinTransformStage {
  /** Width of the stage's blocks. */
  readonly dim: number;
  /** Number of blocks. */
  readonly depth: number;
  /** Resampling after the blocks. */
  readonly resample: SwinResample;
  /** Output width of the resampling (ignored with `none`). */
  readonly outDim?: number;
}

/** Options of {@link SwinTransform}. */
export interface SwinTransformOptions {
  /** Input channels. */
  readonly inChannels: number;
  /**
   * Start with a patch embedding: a 2x2 stride-2 convolution (Keras `same` padding, with
   * bias) from `inChannels` to the first stage's width, as SwinT-ChARM's analysis
   * transforms. Without it the first stage's width must be `inChannels`.
   */
  readonly patchEmbedding: boolean;
  /** The stages, in order. */
  readonly stages: readonly SwinTransformStage[];
  /** Window size of every stage. */
  readonly windowSize: number;
  /** Channels per attention head. */
  readonly headDim: number;
}

/**
 * A Swin transform as SwinT-ChARM and EGIC build g_a, g_s, h_a and h_s (Zhu, Yang & Cohen
 * 2022; Nikolai10/EGIC `src/archs.py`): an optional patch embedding (conv 2x2/2) followed by
 * {@link SwinStage}s, each `depth` Swin blocks then a patch merging, splitting or unpacking.
 * Any input size works (the stages pad to whole windows and crop; merging pads odd sizes).
 *
 * Variables: `embed` (with a patch embedding), `stage0` ... `stage{n-1}`.
 *
 * @example
 * A small analysis transform: patch embedding (/2), a stage ending in a patch merging (/2),
 * and a last stage at the latent's width.
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { exactMap, setBackend } from '@ncomp/core';
 * import { SwinTransform } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const analysis = new SwinTransform({
 *   inChannels: 3,
 *   patchEmbedding: true,
 *   windowSize: 4,
 *   headDim: 4, // 8 / 4 = 2 attention heads in the first stage, 4 in the second
 *   stages: [
 *     { dim: 8, depth: 2, resample: 'merge', outDim: 16 }, // W-MSA then SW-MSA, then merging
 *     { dim: 16, depth: 1, resample: 'none' },
 *   ],
 * });
 * const x = tf.randomUniform([1, 20, 28, 3], 0, 1, 'float32', 1); // any size: windows are padded
 * const y = analysis.call(x);
 * assert.deepEqual(y.shape, [1, 5, 7, 16]);
 * const beforeLast = analysis.callThrough(x, 1); // what enters the last stage
 * assert.deepEqual(beforeLast.shape, [1, 5, 7, 16]);
 *
 * // The deterministic float64 twin, for entropy-parameter paths (h_s of SwinT-ChARM):
 * const twin = await analysis.exact();
 * const out = twin(exactMap(20, 28, 3, Float64Array.from(await x.data())));
 * const yData = await y.data();
 * out.data.forEach((v, i) => assert.ok(Math.abs(v - yData[i]!) < 1e-3));
 * tf.dispose([x, y, beforeLast]);
 * analysis.dispose();
 * ```
 */
export class SwinTransform extends Module implements ExactEvaluable {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels (the last stage's). */
  readonly outChannels: number;
  /** The patch embedding, or undefined. */
  readonly embed: Conv2d | undefined;
  /** The stages. */
  readonly stages: readonly SwinStage[];

  /**
   * @param options - See {@link SwinTransformOptions}.
   * @throws InvalidArgumentError for an empty stage list or widths that do not chain.
   */
  constructor(options: SwinTransformOptions) {
    super();
    const { stages } = options;
    if (stages.length === 0) throw new InvalidArgumentError('SwinTransform: needs at least one stage');
    this.inChannels = options.inChannels;
    this.embed = options.patchEmbedding
      ? this.addModule('embed', new Conv2d(options.inChannels, stages[0]!.dim, 2, { stride: 2, padding: 'same' }))
      : undefined;
    if (!options.patchEmbedding && stages[0]!.dim !== options.inChannels) {
      throw new InvalidArgumentError(
        `SwinTransform: without a patch embedding the first stage's width (${stages[0]!.dim}) must be the input's (${options.inChannels})`,
      );
    }
    const built: SwinStage[] = [];
    stages.forEach((s, i) => {
      const stage = new SwinStage(s.dim, {
        depth: s.depth,
        windowSize: options.windowSize,
        headDim: options.headDim,
        resample: s.resample,
        ...(s.outDim === undefined ? {} : { outDim: s.outDim }),
      });
      const next = stages[i + 1];
      if (next && stage.outDim !== next.dim) {
        stage.dispose();
        throw new InvalidArgumentError(`SwinTransform: stage ${i} gives ${stage.outDim} channels, stage ${i + 1} takes ${next.dim}`);
      }
      built.push(this.addModule(`stage${i}`, stage));
    });
    this.stages = built;
    this.outChannels = built[built.length - 1]!.outDim;
  }

  /**
   * The output of the patch embedding and the first `count` stages: `callThrough(x,
   * stages.length)` is the whole transform, `callThrough(y, stages.length - 1)` the
   * features entering the last stage (what EGIC's ORP head reads).
   * @param x - [N, H, W, inChannels].
   * @param count - Stages to run, 0 .. stages.length.
   * @throws ShapeError for a wrong channel count; InvalidArgumentError for a bad count.
   */
  callThrough(x: tf.Tensor, count: number): tf.Tensor4D {
    if (!Number.isInteger(count) || count < 0 || count > this.stages.length) {
      throw new InvalidArgumentError(`SwinTransform: count must be an integer in 0..${this.stages.length}, found ${String(count)}`);
    }
    if (x.rank !== 4 || x.shape[3] !== this.inChannels)
      throw new ShapeError(`SwinTransform: expected [N, H, W, ${this.inChannels}], found [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      let y = (this.embed ? this.embed.call(x) : tf.clone(x)) as tf.Tensor4D;
      for (let i = 0; i < count; i++) y = this.stages[i]!.call(y);
      return y;
    });
  }

  /**
   * The whole transform.
   * @param x - [N, H, W, inChannels].
   * @returns [N, H', W', outChannels].
   */
  call(x: tf.Tensor): tf.Tensor4D {
    return this.callThrough(x, this.stages.length);
  }

  /** The deterministic twin of {@link SwinTransform.call} (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const embed = this.embed ? await this.embed.exact() : undefined;
    const stages = await Promise.all(this.stages.map((s) => s.exact()));
    return (x) => stages.reduce((y, stage) => stage(y), embed ? embed(x) : x);
  }
}
