import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core/errors';
import { CdfTables } from '../coding/cdf-tables.js';
import { pmfToQuantizedCdf } from '../coding/pmf-to-quantized-cdf.js';
import type { Distribution } from '../distributions/distribution.js';
import { lowerTail, quantizationOffset, upperTail } from '../distributions/helpers.js';

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
    const lower = lowerTail(prior, tailMass);
    const upper = upperTail(prior, tailMass);
    const minimaT = tf.floor(tf.sub(lower, offset));
    const maximaT = tf.ceil(tf.sub(upper, offset));
    const min = Int32Array.from(minimaT.dataSync());
    const max = Int32Array.from(maximaT.dataSync());
    const len = min.map((m, i) => max[i]! - m + 1);
    const maxLen = len.reduce((a, b) => Math.max(a, b), 0);
    if (maxLen + 1 > 2 ** precision) {
      throw new InvalidArgumentError(
        `a PMF of the prior spans ${maxLen} values, more than a ${precision}-bit table can hold; raise tailMass or rangeCoderPrecision`,
      );
    }
    const rank = prior.batchShape.length;
    const samples = tf.add(tf.reshape(tf.range(0, maxLen, 1, 'float32'), [maxLen, ...new Array<number>(rank).fill(1)]), tf.add(minimaT, offset));
    const probs = tf.reshape(prior.prob(samples), [maxLen, -1]);
    return { minima: min, lengths: len, pmf: tf.transpose(probs).dataSync() as Float32Array, maxLength: maxLen };
  });
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
