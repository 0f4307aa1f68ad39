import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import type { IncrementalDecoder, IncrementalEncoder } from '../coding/coder.js';
import type { Distribution } from '../distributions/distribution.js';
import { quantizationOffset } from '../distributions/helpers.js';
import { roundStraightThrough } from '../ops/round-straight-through.js';
import { addUniformNoise } from '../ops/uniform-noise.js';
import type { EntropyModelOutput } from './continuous-batched.js';
import { ContinuousEntropyModelBase, type EntropyModelOptions } from './entropy-model-base.js';

/** Options of {@link ContinuousIndexedEntropyModel}. */
export interface IndexedEntropyModelOptions extends EntropyModelOptions {
  /** Builds the prior from its parameters (each a tensor of the shape of the indexes). */
  readonly priorFn: (parameters: Readonly<Record<string, tf.Tensor>>) => Distribution;
  /** Indexes take the values 0 .. indexRange - 1 (one table each). */
  readonly indexRange: number;
  /** Maps the (float) indexes to each parameter of `priorFn`. */
  readonly parameterFns: Readonly<Record<string, (indexes: tf.Tensor) => tf.Tensor>>;
}

/**
 * Indexed entropy model (Ballé, Johnston & Minnen 2019, "Integer networks"; TFC's
 * `ContinuousIndexedEntropyModel`): each element has its own prior, chosen by an
 * integer index from a finite family `priorFn(parameterFns(i))`, i in
 * 0 .. indexRange - 1. One integer table is built per index, so sender and receiver
 * only need to agree on the indexes. New families plug in through `priorFn`.
 *
 * Indexes are clipped to [0, indexRange - 1] (TFC's `_normalize_indexes`) and rounded
 * for coding; for training they may be fractional.
 *
 * @example
 * A family of noisy Laplace priors with scales 2^(i - 1), i = 0..7, picked per element
 * ({@link LocationScaleIndexedEntropyModel} is the ready-made location-scale case):
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { ContinuousIndexedEntropyModel, NoisyLaplace } from '@ncomp/entropy';
 *
 * await setBackend('auto');
 * const em = new ContinuousIndexedEntropyModel({
 *   priorFn: ({ scale }) => new NoisyLaplace(0, scale!),
 *   parameterFns: { scale: (i) => tf.pow(2, tf.sub(i, 1)) },
 *   indexRange: 8,
 *   codingRank: 1, // one stream per row
 *   compression: true, // build the integer tables (one per index) now
 * });
 * const x = tf.tensor2d([
 *   [0.2, -3.4, 10.1, 0],
 *   [40, -1, 1.6, 2],
 * ]);
 * const indexes = tf.tensor2d([
 *   [0, 2, 4, 1],
 *   [7, 1, 2, 2],
 * ]);
 * const { values, bits } = em.call(x, indexes, false); // quantized values, bits per row
 * const strings = await em.compress(x, indexes);
 * assert.equal(strings.length, 2);
 * const decoded = await em.decompress(strings, indexes); // needs the same indexes
 * assert.deepEqual(await decoded.data(), await values.data()); // round(x): the priors' modes are 0
 * const estimated = await bits.data();
 * strings.forEach((s, i) => console.log(`row ${i}: ${s.length} bytes, estimated ${estimated[i]!.toFixed(1)} bits`));
 * tf.dispose([x, indexes, values, bits, decoded]);
 * em.dispose();
 * ```
 */
export class ContinuousIndexedEntropyModel extends ContinuousEntropyModelBase {
  /** {@inheritDoc IndexedEntropyModelOptions.indexRange} */
  readonly indexRange: number;
  private readonly priorFn: IndexedEntropyModelOptions['priorFn'];
  private readonly parameterFns: IndexedEntropyModelOptions['parameterFns'];

  /** @param options - See {@link IndexedEntropyModelOptions}. */
  constructor(options: IndexedEntropyModelOptions) {
    super(options);
    if (!Number.isInteger(options.indexRange) || options.indexRange < 1) {
      throw new InvalidArgumentError(`indexRange must be a positive integer, found ${String(options.indexRange)}`);
    }
    if (options.codingRank < 1) throw new InvalidArgumentError('codingRank must be at least 1 for an indexed model');
    this.indexRange = options.indexRange;
    this.priorFn = options.priorFn;
    this.parameterFns = options.parameterFns;
    if (this.compression) {
      // The prior's parameter tensors only live inside this tidy; the tables are plain arrays.
      tf.tidy(() => this.buildTablesFrom(this.priorAt(tf.range(0, this.indexRange, 1, 'float32'))));
    }
  }

  protected get tableCount(): number {
    return this.indexRange;
  }

  /** The prior for given (clipped) indexes. */
  priorAt(indexes: tf.Tensor): Distribution {
    const parameters: Record<string, tf.Tensor> = {};
    for (const [name, fn] of Object.entries(this.parameterFns)) parameters[name] = fn(indexes);
    return this.priorFn(parameters);
  }

  private normalize(x: tf.Tensor, indexes: tf.Tensor): tf.Tensor {
    if (!tf.util.arraysEqual(x.shape, indexes.shape)) {
      throw new ShapeError(`indexes must have the shape of the values [${x.shape.join(', ')}], found [${indexes.shape.join(', ')}]`);
    }
    return tf.clipByValue(tf.cast(indexes, 'float32'), 0, this.indexRange - 1);
  }

  /**
   * Perturbs or quantizes `x` and estimates its bits, element `j` under the prior of
   * `indexes[j]`.
   * @param x - Values, at least `codingRank` axes.
   * @param indexes - Same shape as `x`.
   * @param training - Noise and a differentiable bound (true) or quantization (false).
   */
  call(x: tf.Tensor, indexes: tf.Tensor, training = true): EntropyModelOutput {
    this.splitShape(x.shape);
    return tf.tidy(() => {
      const prior = this.priorAt(this.normalize(x, indexes));
      const values = training ? addUniformNoise(x) : roundStraightThrough(x, quantizationOffset(prior));
      return { values, bits: this.bitsFromLogProbs(this.logProbFromPrior(prior, values)) };
    });
  }

  /** `round(x - o) + o` with the offsets of the indexed priors, straight-through gradient. */
  quantize(x: tf.Tensor, indexes: tf.Tensor): tf.Tensor {
    return tf.tidy(() => roundStraightThrough(x, quantizationOffset(this.priorAt(this.normalize(x, indexes)))));
  }

  /** Compresses `x` to one byte string per coding unit (row-major over the batch axes). */
  async compress(x: tf.Tensor, indexes: tf.Tensor): Promise<Uint8Array[]> {
    const { codingShape } = this.splitShape(x.shape);
    const { symbols: data, tableIndexes: idxData } = await this.symbolsAndTables(x, indexes);
    return this.encodeUnits(
      data,
      idxData,
      codingShape.reduce((a, b) => a * b, 1),
    );
  }

  /**
   * Reconstructs the quantized values from `compress`'s strings.
   * @param strings - One per coding unit.
   * @param indexes - The indexes given to `compress`; the output has their shape.
   * @throws CorruptStreamError for strings that do not decode with these tables and indexes.
   */
  async decompress(strings: readonly Uint8Array[], indexes: tf.Tensor): Promise<tf.Tensor> {
    const { codingShape } = this.splitShape(indexes.shape);
    const tableIndexes = await this.tableIndexes(indexes);
    return this.dequantize(
      this.decodeUnits(
        strings,
        tableIndexes,
        codingShape.reduce((a, b) => a * b, 1),
      ),
      indexes,
    );
  }

  /**
   * Appends `x` to incremental streams, one per coding unit (see {@link
   * ContinuousEntropyModelBase.createEncoder}): unit u's values, row-major, go to
   * `encoders[u]`, each with the table of its index. Coding a tensor in parts this way
   * (e.g. the slices of a channel-autoregressive model, one after another) gives one
   * stream per unit instead of one per part; all of `x` in one call gives the bytes of
   * `compress`.
   * @param encoders - One per coding unit (the product of the batch axes of `x`).
   * @param x - Values, at least `codingRank` axes.
   * @param indexes - Same shape as `x`.
   * @returns The quantized `x` exactly as {@link ContinuousIndexedEntropyModel.decompressIncremental}
   *   will reconstruct it (a new tensor).
   * @throws ShapeError for the wrong number of encoders or mismatched shapes.
   */
  async compressIncremental(encoders: readonly IncrementalEncoder[], x: tf.Tensor, indexes: tf.Tensor): Promise<tf.Tensor> {
    const unitSize = this.checkUnits(x.shape, encoders.length, 'encoders');
    const { symbols, tableIndexes } = await this.symbolsAndTables(x, indexes);
    encoders.forEach((encoder, u) => {
      for (let k = u * unitSize, end = k + unitSize; k < end; k++) encoder.encode(symbols[k]!, tableIndexes[k]!);
    });
    return this.dequantize(symbols, indexes);
  }

  /**
   * Reads the next values of incremental streams, the inverse of one {@link
   * ContinuousIndexedEntropyModel.compressIncremental} call: unit u's values from
   * `decoders[u]` (made by {@link ContinuousEntropyModelBase.createDecoder}).
   * @param decoders - One per coding unit.
   * @param indexes - The indexes given to `compressIncremental`; the output has their shape.
   * @throws CorruptStreamError for streams that do not decode; ShapeError for the wrong
   *   number of decoders.
   */
  async decompressIncremental(decoders: readonly IncrementalDecoder[], indexes: tf.Tensor): Promise<tf.Tensor> {
    const unitSize = this.checkUnits(indexes.shape, decoders.length, 'decoders');
    const tableIndexes = await this.tableIndexes(indexes);
    const symbols = new Int32Array(tableIndexes.length);
    decoders.forEach((decoder, u) => {
      for (let k = u * unitSize, end = k + unitSize; k < end; k++) symbols[k] = decoder.decode(tableIndexes[k]!);
    });
    return this.dequantize(symbols, indexes);
  }

  /** The symbols `round(x - offset)` and table numbers `round(clip(indexes))` of `x`, read asynchronously. */
  private async symbolsAndTables(x: tf.Tensor, indexes: tf.Tensor): Promise<{ symbols: Int32Array; tableIndexes: Int32Array }> {
    const [symbolsT, tableT] = tf.tidy(() => {
      const idx = this.normalize(x, indexes);
      const offset = quantizationOffset(this.priorAt(idx));
      return [tf.cast(tf.round(tf.sub(x, offset)), 'int32'), tf.cast(tf.round(idx), 'int32')];
    });
    try {
      return { symbols: (await symbolsT.data()) as Int32Array, tableIndexes: (await tableT.data()) as Int32Array };
    } finally {
      tf.dispose([symbolsT, tableT]);
    }
  }

  /** Values per coding unit, after checking that `count` coders fit `shape`'s batch axes. */
  private checkUnits(shape: readonly number[], count: number, what: string): number {
    const { batchShape, codingShape } = this.splitShape(shape);
    const units = batchShape.reduce((a, b) => a * b, 1);
    if (count !== units) throw new ShapeError(`expected ${units} ${what} (one per coding unit of [${shape.join(', ')}]), found ${count}`);
    return codingShape.reduce((a, b) => a * b, 1);
  }

  /** The integer table of each (clipped, rounded) index. */
  private async tableIndexes(indexes: tf.Tensor): Promise<Int32Array> {
    const t = tf.tidy(() => tf.cast(tf.round(tf.clipByValue(tf.cast(indexes, 'float32'), 0, this.indexRange - 1)), 'int32'));
    try {
      return (await t.data()) as Int32Array;
    } finally {
      t.dispose();
    }
  }

  /** Symbols back to values: `symbol + offset` of each index's prior, in the shape of `indexes`. */
  private dequantize(symbols: Int32Array, indexes: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const idx = tf.clipByValue(tf.cast(indexes, 'float32'), 0, this.indexRange - 1);
      const offset = tf.broadcastTo(quantizationOffset(this.priorAt(idx)), indexes.shape);
      return tf.add(tf.tensor(symbols, indexes.shape, 'float32'), offset);
    });
  }
}
