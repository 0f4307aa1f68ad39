import type { CdfTables } from './cdf-tables.js';

/**
 * The fewest bits that coding one value with each table can cost: `-log2(f / 2^p)` for
 * the table's most frequent symbol (frequency f, precision p). A stream of n values coded
 * with table t therefore carries at least `n * minCodeLengths(tables)[t]` bits of
 * information; both coders spend at least that, up to a factor close to 1 (rANS's
 * integer state update can gain at most `log2(1 - 2^p / 2^23)` per value, the range
 * coder's floors only cost more) and a constant (the final state, 32 bits).
 *
 * Used to refuse a stream that is far too short for the number of values a header
 * declares before decoding anything (a forged or damaged image size).
 *
 * @param tables - The tables.
 * @returns One lower bound per table, in bits; 0 never occurs (every table keeps an
 *   escape symbol of non-zero frequency), so the bounds are strictly positive.
 */
export function minCodeLengths(tables: CdfTables): Float64Array {
  const { cdf, starts, lengths, count, precision } = tables;
  const out = new Float64Array(count);
  for (let t = 0; t < count; t++) {
    const start = starts[t]!;
    let most = 0;
    for (let s = 0; s + 1 < lengths[t]!; s++) most = Math.max(most, cdf[start + s + 1]! - cdf[start + s]!);
    out[t] = precision - Math.log2(most);
  }
  return out;
}
