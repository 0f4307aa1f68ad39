import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core/errors';
import { CdfTables } from '../coding/cdf-tables.js';
import { pmfToQuantizedCdf } from '../coding/pmf-to-quantized-cdf.js';
import type { Distribution } from '../distributions/distribution.js';
import { lowerTail, lowerTailAsync, quantizationOffset, upperTail, upperTailAsync } from '../distributions/helpers.js';

/** Integer tables of an entropy model, as stored in its state (TFC's `_cdf`, `_cdf_length`, `_cdf_offset`). */
export interface IntegerTables {
  /** The tables, ready for the coders. */
  readonly tables: CdfTables;
  /** Row-major padded CDFs, `count x width`. */
  readonly cdf: Int32Array;
  /** Entries per padded row. */
  readonly width: number;
}

/**
 * Builds the integer tables of a prior once, as TFC's `_build_tables`: for each
 * distribution of the batch, the PMF of `offset + k` for integers k from
 * `floor(lowerTail - offset)` to `ceil(upperTail - offset)`, plus the remaining tail
 * mass as escape symbol, quantized to `2^precision` with {@link pmfToQuantizedCdf}.
 *
 * Float arithmetic differs between platforms, so these integers are computed once and
 * shipped with the model; sender and receiver then code with identical tables.
 *
 * Reads tensors synchronously (`dataSync`): it works on the backends that can (cpu, wasm,
 * tensorflow, webgl), and under webgpu only inside `onReadableBackend` on tensors that live
 * on the CPU (model construction). {@link buildTablesAsync} gives the same tables on every backend.
 *
 * @param prior - A batch of scalar distributions (flattened row-major into tables).
 * @param tailMass - Probability left to the escape code, in (0, 1).
 * @param precision - CDF precision, 1..16.
 * @param offsetOf - The quantization offset of the prior (default {@link quantizationOffset}).
 * @throws InvalidArgumentError when a PMF needs more symbols than `2^precision`
 *   allows (raise `tailMass` or the precision).
 */
export function buildTables(
  prior: Distribution,
  tailMass: number,
  precision: number,
  offsetOf: (d: Distribution) => tf.Tensor = quantizationOffset,
): IntegerTables {
  const { minima, lengths, pmf, maxLength } = tf.tidy(() => {
    const offset = tf.broadcastTo(offsetOf(prior), [...prior.batchShape]);
    const [minimaT, maximaT] = supportBounds(lowerTail(prior, tailMass), upperTail(prior, tailMass), offset);
    const range = checkedRange(Int32Array.from(minimaT.dataSync()), Int32Array.from(maximaT.dataSync()), precision);
    return { ...range, pmf: pmfRows(prior, minimaT, offset, range.maxLength).dataSync() as Float32Array };
  });
  return tablesFromPmf(minima, lengths, pmf, maxLength, precision);
}

/**
 * {@link buildTables} with asynchronous reads (`await data()`): the same tables, on every
 * backend (WebGPU included), for a prior whose tails are found without synchronous reads
 * (see `lowerTailAsync`).
 *
 * @throws InvalidArgumentError as {@link buildTables}.
 */
export async function buildTablesAsync(
  prior: Distribution,
  tailMass: number,
  precision: number,
  offsetOf: (d: Distribution) => tf.Tensor = quantizationOffset,
): Promise<IntegerTables> {
  const lower = await lowerTailAsync(prior, tailMass);
  const tensors: tf.Tensor[] = [lower];
  try {
    const upper = await upperTailAsync(prior, tailMass);
    tensors.push(upper);
    const offset = tf.tidy(() => tf.broadcastTo(offsetOf(prior), [...prior.batchShape]));
    tensors.push(offset);
    const [minimaT, maximaT] = supportBounds(lower, upper, offset);
    tensors.push(minimaT, maximaT);
    const [min, max] = await Promise.all([minimaT.data(), maximaT.data()]);
    const { minima, lengths, maxLength } = checkedRange(Int32Array.from(min), Int32Array.from(max), precision);
    const pmfT = pmfRows(prior, minimaT, offset, maxLength);
    tensors.push(pmfT);
    const pmf = (await pmfT.data()) as Float32Array;
    return tablesFromPmf(minima, lengths, pmf, maxLength, precision);
  } finally {
    tf.dispose(tensors);
  }
}

/** `floor(lower - offset)` and `ceil(upper - offset)`: the first and last integer k of each table. */
function supportBounds(lower: tf.Tensor, upper: tf.Tensor, offset: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => [tf.floor(tf.sub(lower, offset)), tf.ceil(tf.sub(upper, offset))]);
}

/** The first value and PMF length of each table, and the longest PMF, checked against the precision. */
function checkedRange(minima: Int32Array, maxima: Int32Array, precision: number): { minima: Int32Array; lengths: Int32Array; maxLength: number } {
  const lengths = minima.map((lo, i) => maxima[i]! - lo + 1);
  const maxLength = lengths.reduce((a, b) => Math.max(a, b), 0);
  if (maxLength + 1 > 2 ** precision) {
    throw new InvalidArgumentError(
      `a PMF of the prior spans ${maxLength} values, more than a ${precision}-bit table can hold; raise tailMass or rangeCoderPrecision`,
    );
  }
  return { minima, lengths, maxLength };
}

/** The prior's probabilities of `offset + minimum + k`, k < maxLength, one row per table: [count, maxLength]. */
function pmfRows(prior: Distribution, minimaT: tf.Tensor, offset: tf.Tensor, maxLength: number): tf.Tensor {
  return tf.tidy(() => {
    const rank = prior.batchShape.length;
    const samples = tf.add(tf.reshape(tf.range(0, maxLength, 1, 'float32'), [maxLength, ...new Array<number>(rank).fill(1)]), tf.add(minimaT, offset));
    return tf.transpose(tf.reshape(prior.prob(samples), [maxLength, -1]));
  });
}

/** Quantizes each table's PMF (its own length, the escape mass appended) to a padded CDF row. */
function tablesFromPmf(minima: Int32Array, lengths: Int32Array, pmf: Float32Array, maxLength: number, precision: number): IntegerTables {
  const count = minima.length;
  const width = maxLength + 2;
  const cdf = new Int32Array(count * width);
  const cdfLengths = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const n = lengths[i]!;
    const row = Array.from(pmf.subarray(i * maxLength, i * maxLength + n), (p, k) => {
      if (!Number.isFinite(p)) {
        throw new InvalidArgumentError(`the prior's probability of value ${minima[i]! + k} (table ${i}) is ${p}: check its parameters`);
      }
      return Math.max(p, 0); // float rounding can leave -1e-9 where c(x + 1/2) = c(x - 1/2)
    });
    const total = row.reduce((a, b) => a + b, 0);
    row.push(Math.max(1 - total, 0));
    if (!row.some((p) => p > 0)) row[n] = 1;
    cdf.set(pmfToQuantizedCdf(row, precision), i * width);
    cdfLengths[i] = n + 2;
  }
  return { tables: CdfTables.fromPadded(cdf, cdfLengths, minima, precision, width), cdf, width };
}
