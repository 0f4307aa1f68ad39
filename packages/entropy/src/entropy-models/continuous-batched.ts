import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, ShapeError } from '@ncomp/core';
import type { Distribution } from '../distributions/distribution.js';
import { quantizationOffset } from '../distributions/helpers.js';
import { roundStraightThrough } from '../ops/round-straight-through.js';
import { addUniformNoise } from '../ops/uniform-noise.js';
import { ContinuousEntropyModelBase, type EntropyModelOptions } from './entropy-model-base.js';

/** Options of {@link ContinuousBatchedEntropyModel}. */
export interface BatchedEntropyModelOptions extends EntropyModelOptions {
  /**
   * The offset heuristic (TFC's `non_integer_offsets`): true (default) quantizes around
   * the prior's mode, `round(x - o) + o` with `o` from {@link quantizationOffset}; false
   * rounds to integers.
   */
  readonly nonIntegerOffsets?: boolean;
}

/** Result of an entropy model's forward pass. */
export interface EntropyModelOutput {
  /** `x` with uniform noise (training) or quantized (evaluation). */
  readonly values: tf.Tensor;
  /** Bits per coding unit: the shape of `x` without its `codingRank` innermost axes. */
  readonly bits: tf.Tensor;
}

/**
 * Batched entropy model for continuous values (Ballé et al. 2017; TFC's
 * `ContinuousBatchedEntropyModel`): every element is quantized and coded with a prior
 * whose parameters do not depend on data. The innermost axes of `x` broadcast to the
 * prior's batch shape; axes left of it are i.i.d.
 *
 * ```
 *   x ──round(x - o) + o──► x̂ ──compress──► one byte string per coding unit
 *         (training: x + U(-1/2, 1/2))        bits = -log2 p(x̂) summed over coding unit
 * ```
 *
 * With `compression: true` the integer tables are built at construction from the prior
 * and become part of the state dict, with the quantization offsets.
 *
 * @example
 * The rate term of a factorized-prior codec (Ballé et al. 2017) during training:
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { ContinuousBatchedEntropyModel, NoisyDeepFactorized } from '@ncomp/entropy';
 *
 * await setBackend('auto');
 * const prior = new NoisyDeepFactorized({ batchShape: [8] }); // one learned density per channel
 * const em = new ContinuousBatchedEntropyModel(prior, { codingRank: 3 }); // a coding unit: H x W x C
 * const latent = tf.randomNormal([2, 4, 4, 8], 0, 3); // NHWC, e.g. the analysis transform's output
 *
 * const { values, bits } = em.call(latent, true); // training: latent + U(-1/2, 1/2)
 * assert.deepEqual(bits.shape, [2]); // bits per image
 * const trainable = em.trainableVariables(); // the prior's parameters: the rate's gradient reaches them
 * const { value, grads } = tf.variableGrads(() => tf.mean(em.call(latent, true).bits) as tf.Scalar, trainable);
 * assert.equal(Object.keys(grads).length, trainable.length);
 *
 * const evaluation = em.call(latent, false); // evaluation: round(latent - o) + o
 * assert.deepEqual(evaluation.values.shape, latent.shape);
 * tf.dispose([latent, values, bits, value, evaluation.values, evaluation.bits, ...Object.values(grads)]);
 * em.dispose();
 * ```
 */
export class ContinuousBatchedEntropyModel extends ContinuousEntropyModelBase {
  /** The prior (shared between sender and receiver). */
  readonly prior: Distribution;
  /** Batch shape of the prior. */
  readonly priorShape: readonly number[];
  /** {@inheritDoc BatchedEntropyModelOptions.nonIntegerOffsets} */
  readonly nonIntegerOffsets: boolean;
  private offset: tf.Variable | undefined;

  /**
   * @param prior - The prior; if it is a {@link Module} (as {@link NoisyDeepFactorized}),
   *   its variables become this model's child `prior`.
   * @param options - See {@link BatchedEntropyModelOptions}; `codingRank` must be at
   *   least the rank of the prior's batch shape.
   */
  constructor(prior: Distribution, options: BatchedEntropyModelOptions) {
    super(options);
    if (options.codingRank < prior.batchShape.length) {
      throw new InvalidArgumentError(
        `codingRank (${options.codingRank}) can't be smaller than the rank of the prior's batch shape (${prior.batchShape.length})`,
      );
    }
    this.prior = prior instanceof Module ? this.addModule('prior', prior) : prior;
    this.priorShape = [...prior.batchShape];
    this.nonIntegerOffsets = options.nonIntegerOffsets ?? true;
    if (this.compression) {
      this.offset = this.addWeight('quantization_offset', () => tf.broadcastTo(this.priorOffset(), [...this.priorShape]), {
        trainable: false,
      });
      this.buildTablesFrom(prior, () => this.priorOffset());
    }
  }

  /**
   * Rebuilds the quantization offsets and the integer tables from the prior's current
   * parameters (CompressAI's `update()`): call it after training, before compressing,
   * so the tables describe the trained prior. The new tables become part of the state
   * dict, so a saved model decodes with exactly these integers.
   *
   * Reads synchronously (cpu, wasm, tensorflow, webgl); {@link
   * ContinuousBatchedEntropyModel.updateTablesAsync} builds the same tables on every backend.
   * @throws InvalidArgumentError when the model was created without compression.
   */
  updateTables(): void {
    this.updateOffset();
    this.buildTablesFrom(this.prior, () => this.priorOffset());
  }

  /**
   * {@link ContinuousBatchedEntropyModel.updateTables} with asynchronous reads: the same
   * offsets and tables, on every backend (WebGPU included, where the prior's trained
   * parameters live on the GPU).
   * @throws InvalidArgumentError when the model was created without compression.
   */
  async updateTablesAsync(): Promise<void> {
    this.updateOffset();
    await this.buildTablesFromAsync(this.prior, () => this.priorOffset());
  }

  private updateOffset(): void {
    if (!this.offset) throw new InvalidArgumentError('updateTables needs an entropy model created with compression: true');
    const offset = this.offset;
    tf.tidy(() => offset.assign(tf.broadcastTo(this.priorOffset(), [...this.priorShape])));
  }

  protected get tableCount(): number {
    return this.priorShape.reduce((a, b) => a * b, 1);
  }

  /** The prior's offset under the offset heuristic (zero when `nonIntegerOffsets` is false). */
  private priorOffset(): tf.Tensor {
    return this.nonIntegerOffsets ? quantizationOffset(this.prior) : tf.zeros([...this.priorShape]);
  }

  /** The quantization offset: the stored one with compression, else the prior's current one. */
  private currentOffset(): tf.Tensor {
    return this.offset ? this.offset : this.priorOffset();
  }

  /**
   * Perturbs or quantizes `x` and estimates its bits.
   * @param x - At least `codingRank` axes; the innermost broadcast to the prior's batch shape.
   * @param training - True: `x + U(-1/2, 1/2)` and a differentiable upper bound on the
   *   bits; false: quantized `x` and its information content (a lower bound on what
   *   `compress` produces).
   */
  call(x: tf.Tensor, training = true): EntropyModelOutput {
    this.splitShape(x.shape);
    return tf.tidy(() => {
      const values = training ? addUniformNoise(x) : this.quantize(x);
      const bits = this.bitsFromLogProbs(this.logProbFromPrior(this.prior, values));
      return { values, bits };
    });
  }

  /** `round(x - o) + o` with a straight-through gradient. */
  quantize(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => roundStraightThrough(x, this.currentOffset()));
  }

  /**
   * Compresses `x` (quantized as by {@link ContinuousBatchedEntropyModel.quantize}) to one
   * byte string per coding unit, in row-major order of the batch axes.
   */
  async compress(x: tf.Tensor): Promise<Uint8Array[]> {
    const { codingShape } = this.splitShape(x.shape);
    this.checkCodingShape(codingShape);
    const symbols = tf.tidy(() => tf.cast(tf.round(tf.sub(x, this.currentOffset())), 'int32'));
    let data: Int32Array;
    try {
      data = (await symbols.data()) as Int32Array;
    } finally {
      symbols.dispose();
    }
    const unit = codingShape.reduce((a, b) => a * b, 1);
    return this.encodeUnits(data, tileIndexes(this.unitIndexes(unit), unit === 0 ? 0 : data.length / unit), unit);
  }

  /**
   * Reconstructs the quantized tensor from `compress`'s strings.
   * @param strings - One per coding unit.
   * @param broadcastShape - Coding axes left of the prior's batch shape (as compressed).
   * @param batchShape - Shape of the batch axes; default `[strings.length]`.
   * @returns Shape `[...batchShape, ...broadcastShape, ...priorShape]`.
   * @throws CorruptStreamError for strings that do not decode with these tables and shape.
   */
  decompress(strings: readonly Uint8Array[], broadcastShape: readonly number[], batchShape: readonly number[] = [strings.length]): tf.Tensor {
    const codingShape = [...broadcastShape, ...this.priorShape];
    this.checkCodingShape(codingShape);
    if (batchShape.reduce((a, b) => a * b, 1) !== strings.length) {
      throw new ShapeError(`batchShape [${batchShape.join(', ')}] does not hold ${strings.length} strings`);
    }
    const unit = codingShape.reduce((a, b) => a * b, 1);
    const symbols = this.decodeUnits(strings, tileIndexes(this.unitIndexes(unit), strings.length), unit);
    return tf.tidy(() => tf.add(tf.tensor(symbols, [...batchShape, ...codingShape], 'float32'), this.currentOffset()));
  }

  /**
   * The integer symbols of `compress`'s strings, without the quantization offset: what
   * {@link ContinuousBatchedEntropyModel.decompress} adds {@link
   * ContinuousBatchedEntropyModel.quantizationOffsets} to. Backend-independent (plain
   * arrays), for deterministic entropy-parameter paths.
   * @param strings - One per coding unit.
   * @param broadcastShape - The coding shape without the prior's batch shape.
   * @returns strings.length x (product of the coding shape) symbols, unit after unit.
   * @throws CorruptStreamError for strings that do not decode.
   */
  decodeSymbols(strings: readonly Uint8Array[], broadcastShape: readonly number[]): Int32Array {
    const codingShape = [...broadcastShape, ...this.priorShape];
    this.checkCodingShape(codingShape);
    const unit = codingShape.reduce((a, b) => a * b, 1);
    return this.decodeUnits(strings, tileIndexes(this.unitIndexes(unit), strings.length), unit);
  }

  /**
   * The quantization offset of each element of the prior's batch shape (the stored
   * `quantization_offset`, zeros without `nonIntegerOffsets`), read asynchronously: a
   * decoded value is `symbol + offset`.
   */
  async quantizationOffsets(): Promise<Float64Array> {
    const t = this.currentOffset();
    try {
      return Float64Array.from((await t.data()) as Float32Array);
    } finally {
      if (t !== this.offset) t.dispose();
    }
  }

  private checkCodingShape(codingShape: readonly number[]): void {
    if (codingShape.length !== this.codingRank) {
      throw new ShapeError(`expected ${this.codingRank} coding axes, found ${codingShape.length}`);
    }
    const tail = codingShape.slice(codingShape.length - this.priorShape.length);
    if (tail.some((d, i) => d !== this.priorShape[i])) {
      throw new ShapeError(`the innermost axes [${tail.join(', ')}] must equal the prior's batch shape [${this.priorShape.join(', ')}]`);
    }
  }

  /** Table index of each element of one coding unit: its position within the prior's batch. */
  private unitIndexes(unit: number): Int32Array {
    const priorSize = this.tableCount;
    return Int32Array.from({ length: unit }, (_, i) => i % priorSize);
  }
}

/** Repeats `indexes` `times` times. */
function tileIndexes(indexes: Int32Array, times: number): Int32Array {
  const out = new Int32Array(indexes.length * times);
  for (let t = 0; t < times; t++) out.set(indexes, t * indexes.length);
  return out;
}
