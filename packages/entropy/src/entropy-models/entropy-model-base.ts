import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, ShapeError, type StateDict } from '@ncomp/core';
import type { EntropyCoder, IncrementalDecoder, IncrementalEncoder } from '../coding/coder.js';
import { minCodeLengths } from '../coding/min-code-length.js';
import { checkPrecision } from '../coding/precision.js';
import type { Distribution } from '../distributions/distribution.js';
import { stopGradient } from '@ncomp/core';
import { Laplace } from '../distributions/laplace.js';
import { buildTables, buildTablesAsync, type IntegerTables } from './build-tables.js';
import { coderByName, type CoderName } from './coder-choice.js';
import { TABLE_KEYS, tablesFromState, tablesToState } from './table-state.js';

/** A tensor shape split into batch axes and the `codingRank` innermost coding axes. */
export interface ShapeSplit {
  /** Axes left of the coding unit (one byte string per element). */
  readonly batchShape: number[];
  /** The `codingRank` innermost axes. */
  readonly codingShape: number[];
}

/** Options shared by the continuous entropy models (names and defaults of TFC). */
export interface EntropyModelOptions {
  /** Number of innermost axes that form one coding unit (one byte string each; bits summed over them). */
  readonly codingRank: number;
  /** Build the integer tables now, enabling `compress` / `decompress`. Default false. */
  readonly compression?: boolean;
  /** Probability mass coded through the escape code instead of the tables. Default 2^-8. */
  readonly tailMass?: number;
  /** CDF precision of the tables, 1..16. Default 12 (TFC's default). */
  readonly rangeCoderPrecision?: number;
  /** If > 0, mixes a unit Laplace into the likelihood during training for stability (TFC, experimental). Default 0. */
  readonly laplaceTailMass?: number;
  /** Entropy coder for `compress` / `decompress`. Default `rans`. */
  readonly coder?: CoderName;
}

/**
 * What the continuous entropy models share (TFC's `ContinuousEntropyModelBase`):
 * options, the optional Laplace tail mixture, bits from log-likelihoods, integer tables
 * that are built once and travel in the state dict (keys `cdf`, `cdf_length`,
 * `cdf_offset`), and coding of flat symbol arrays unit by unit.
 */
export abstract class ContinuousEntropyModelBase extends Module {
  /** {@inheritDoc EntropyModelOptions.codingRank} */
  readonly codingRank: number;
  /** {@inheritDoc EntropyModelOptions.compression} */
  readonly compression: boolean;
  /** {@inheritDoc EntropyModelOptions.tailMass} */
  readonly tailMass: number;
  /** {@inheritDoc EntropyModelOptions.rangeCoderPrecision} */
  readonly rangeCoderPrecision: number;
  /** {@inheritDoc EntropyModelOptions.laplaceTailMass} */
  readonly laplaceTailMass: number;
  /** {@inheritDoc EntropyModelOptions.coder} */
  readonly coderName: CoderName;
  /** The coder in use. */
  protected readonly coder: EntropyCoder;
  private integerTables: IntegerTables | undefined;

  /** @param options - See {@link EntropyModelOptions}. */
  protected constructor(options: EntropyModelOptions) {
    super();
    if (!Number.isInteger(options.codingRank) || options.codingRank < 0) {
      throw new InvalidArgumentError(`codingRank must be a non-negative integer, found ${String(options.codingRank)}`);
    }
    this.codingRank = options.codingRank;
    this.compression = options.compression ?? false;
    this.tailMass = options.tailMass ?? 2 ** -8;
    if (!(this.tailMass > 0 && this.tailMass < 1)) throw new InvalidArgumentError(`tailMass must be in (0, 1), found ${this.tailMass}`);
    this.rangeCoderPrecision = options.rangeCoderPrecision ?? 12;
    checkPrecision(this.rangeCoderPrecision, 'rangeCoderPrecision');
    this.laplaceTailMass = options.laplaceTailMass ?? 0;
    if (!(this.laplaceTailMass >= 0 && this.laplaceTailMass < 1)) {
      throw new InvalidArgumentError(`laplaceTailMass must be in [0, 1), found ${this.laplaceTailMass}`);
    }
    this.coderName = options.coder ?? 'rans';
    this.coder = coderByName(this.coderName);
  }

  /** Number of tables the model codes with (the prior's batch size). */
  protected abstract get tableCount(): number;

  /**
   * Builds the integer tables from `prior` (call from the subclass constructor when
   * `compression`). Reads synchronously: see {@link buildTables} for the backends it works on.
   */
  protected buildTablesFrom(prior: Distribution, offsetOf?: (d: Distribution) => tf.Tensor): void {
    this.integerTables = buildTables(prior, this.tailMass, this.rangeCoderPrecision, offsetOf);
  }

  /** {@link ContinuousEntropyModelBase.buildTablesFrom} with asynchronous reads, on every backend. */
  protected async buildTablesFromAsync(prior: Distribution, offsetOf?: (d: Distribution) => tf.Tensor): Promise<void> {
    this.integerTables = await buildTablesAsync(prior, this.tailMass, this.rangeCoderPrecision, offsetOf);
  }

  /** The integer tables; they exist only with `compression: true`. */
  protected get tables(): IntegerTables {
    if (!this.integerTables) {
      throw new InvalidArgumentError('compress / decompress need an entropy model created with compression: true');
    }
    return this.integerTables;
  }

  /**
   * log p(x) under `prior`, mixed with a unit Laplace when `laplaceTailMass > 0`
   * (where the mixture underflows, the Laplace term alone is used, as in TFC).
   */
  protected logProbFromPrior(prior: Distribution, x: tf.Tensor): tf.Tensor {
    const m = this.laplaceTailMass;
    if (m === 0) return prior.logProb(x);
    return tf.tidy(() => {
      const laplace = new Laplace(0, 1);
      const probs = tf.add(tf.mul(1 - m, prior.prob(x)), tf.mul(m, laplace.prob(x)));
      return tf.where(tf.less(stopGradient(probs), 1e-10), tf.add(Math.log(m), laplace.logProb(x)), tf.log(tf.maximum(probs, 1e-10)));
    });
  }

  /** Bits per coding unit: -sum(log p) / ln 2 over the `codingRank` innermost axes. */
  protected bitsFromLogProbs(logProbs: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const axes = Array.from({ length: this.codingRank }, (_, i) => logProbs.rank - this.codingRank + i);
      return tf.div(axes.length > 0 ? tf.sum(logProbs, axes) : logProbs, -Math.LN2);
    });
  }

  /** Checks that `x` has at least `codingRank` axes and returns the batch and coding shapes. */
  protected splitShape(shape: readonly number[]): ShapeSplit {
    if (shape.length < this.codingRank) {
      throw new ShapeError(`expected a tensor of rank >= codingRank (${this.codingRank}), found shape [${shape.join(', ')}]`);
    }
    const cut = shape.length - this.codingRank;
    return { batchShape: shape.slice(0, cut), codingShape: shape.slice(cut) };
  }

  /**
   * Starts an incremental encoder over this model's integer tables, for a stream written in
   * several calls (e.g. a channel-autoregressive model, whose later values' priors depend on
   * earlier decoded ones). Fed by the indexed models' `compressIncremental`; a stream fed
   * everything at once equals `compress`'s.
   * @throws InvalidArgumentError without `compression: true`.
   */
  createEncoder(): IncrementalEncoder {
    return this.coder.createEncoder(this.tables.tables);
  }

  /**
   * Starts an incremental decoder of a stream made with {@link
   * ContinuousEntropyModelBase.createEncoder}; call its `finish()` after the last value to
   * check that the stream was consumed exactly.
   * @throws InvalidArgumentError without `compression: true`, or when `bytes` is not a Uint8Array.
   */
  createDecoder(bytes: Uint8Array): IncrementalDecoder {
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('createDecoder: bytes must be a Uint8Array');
    return this.coder.createDecoder(bytes, this.tables.tables);
  }

  /**
   * The fewest bits one value coded with each of this model's tables can cost (see
   * `minCodeLengths` of `@ncomp/entropy/coding`): what a decoder checks a stream's length
   * against before decoding a declared number of values.
   * @returns One bound per table, in bits, each > 0.
   * @throws InvalidArgumentError without `compression: true`.
   */
  minCodeLengths(): Float64Array {
    return minCodeLengths(this.tables.tables);
  }

  /** Codes `symbols` unit by unit (`unitSize` values each) with per-value table `indexes`. */
  protected encodeUnits(symbols: Int32Array, indexes: Int32Array, unitSize: number): Uint8Array[] {
    const { tables } = this.tables;
    const units = unitSize === 0 ? 0 : symbols.length / unitSize;
    const strings: Uint8Array[] = [];
    for (let u = 0; u < units; u++) {
      const range = [u * unitSize, (u + 1) * unitSize] as const;
      strings.push(this.coder.encode(symbols.subarray(...range), indexes.subarray(...range), tables));
    }
    return strings;
  }

  /** Decodes one string per unit (`unitSize` values each) with per-value table `indexes`. */
  protected decodeUnits(strings: readonly Uint8Array[], indexes: Int32Array, unitSize: number): Int32Array {
    const { tables } = this.tables;
    if (indexes.length !== strings.length * unitSize) {
      throw new ShapeError(`expected ${indexes.length / Math.max(unitSize, 1)} strings for this shape, found ${strings.length}`);
    }
    const out = new Int32Array(indexes.length);
    strings.forEach((s, u) => {
      if (!(s instanceof Uint8Array)) throw new InvalidArgumentError(`strings[${u}] must be a Uint8Array`);
      out.set(this.coder.decode(s, indexes.subarray(u * unitSize, (u + 1) * unitSize), tables), u * unitSize);
    });
    return out;
  }

  /** With compression, the integer tables (`cdf`, `cdf_length`, `cdf_offset`), saved with the variables. */
  protected override extraStateDict(): StateDict {
    return this.integerTables ? tablesToState(this.integerTables) : {};
  }

  /** The table keys with compression; none without (tables given then are unexpected keys). */
  protected override extraStateKeys(): readonly string[] {
    return this.compression ? TABLE_KEYS : [];
  }

  /**
   * Validates saved integer tables, which replace the ones built at construction when
   * the whole state dict loads: a reloaded model codes byte-identically to the saved one.
   * @throws ModelMismatchError for missing, mis-shaped or invalid tables.
   */
  protected override loadExtraState(entries: Readonly<Record<string, unknown>>): () => void {
    const tables = tablesFromState(entries, this.rangeCoderPrecision, this.tableCount);
    return () => {
      this.integerTables = tables;
    };
  }
}
