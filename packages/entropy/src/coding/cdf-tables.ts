import { InvalidArgumentError, ShapeError } from '@ncomp/core/errors';
import { escapeCost } from './escape.js';
import { pmfToQuantizedCdf } from './pmf-to-quantized-cdf.js';
import { checkPrecision } from './precision.js';

/** Bits of the decoder's symbol-lookup buckets (at most; fewer when the precision is lower). */
const MAX_LOOKUP_BITS = 12;

/**
 * A set of quantized CDFs ("tables") that the entropy coders draw from, stored flat
 * like TensorFlow Compression's `cdf` / `cdf_length` / `cdf_offset` and CompressAI's
 * `_quantized_cdf` / `_cdf_length` / `_offset`.
 *
 * Table `i` has `lengths[i]` CDF entries, so `lengths[i] - 1` symbols. Symbols
 * `0 .. lengths[i] - 3` stand for the values `offsets[i] + symbol`; the last symbol,
 * `lengths[i] - 2`, is the escape symbol that introduces any other int32 value (see
 * the escape scheme in `escape.ts` / {@link splitEscape}). Every row starts at
 * 0, ends at 2^precision and is strictly increasing (every symbol has frequency >= 1),
 * which is what {@link pmfToQuantizedCdf} produces.
 *
 * All rows are validated once, here; the coders then trust the tables and only check
 * per-symbol inputs. Instances are immutable.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { CdfTables } from '@ncomp/entropy/coding';
 *
 * // Table 0 codes -1, 0, 1; table 1 codes 5 and 6; the last mass of each is the escape.
 * const tables = CdfTables.fromPmfs([[0.25, 0.5, 0.25, 1e-3], [0.5, 0.5, 1e-3]], [-1, 5], 12);
 * assert.equal(tables.count, 2);
 * assert.deepEqual(tables.lengths, Int32Array.of(5, 4)); // symbols + 1 (escape included)
 * assert.ok(Math.abs(tables.bitsOf(0, 0) - 1) < 0.01); // -log2 0.5
 * assert.ok(tables.bitsOf(1000, 1) > 10); // escape symbol + its payload
 * ```
 */
export class CdfTables {
  /** Bits of the CDF total: every row ends at 2^precision. */
  readonly precision: number;
  /** Number of tables. */
  readonly count: number;
  /** All rows concatenated (no padding); row `i` starts at `starts[i]`. */
  readonly cdf: Int32Array;
  /** Start of each row in {@link CdfTables.cdf}. */
  readonly starts: Int32Array;
  /** Number of CDF entries of each row (symbols + 1, escape included). */
  readonly lengths: Int32Array;
  /** Value coded by symbol 0 of each table. */
  readonly offsets: Int32Array;

  private lookupCache: SymbolLookup | undefined;
  private reciprocalCache: Float64Array | undefined;

  private constructor(precision: number, cdf: Int32Array, starts: Int32Array, lengths: Int32Array, offsets: Int32Array) {
    this.precision = precision;
    this.count = lengths.length;
    this.cdf = cdf;
    this.starts = starts;
    this.lengths = lengths;
    this.offsets = offsets;
  }

  /**
   * Builds tables from one CDF row per table.
   *
   * @param rows - CDF rows (each `[0, ..., 2^precision]`, strictly increasing, at least 2 entries).
   * @param offsets - One int32 offset per row (the value of symbol 0).
   * @param precision - Bits of the CDF total, 1..16.
   * @throws InvalidArgumentError / ShapeError describing the first bad row.
   */
  static fromRows(rows: ReadonlyArray<ArrayLike<number>>, offsets: ArrayLike<number>, precision: number): CdfTables {
    const lengths = rows.map((r) => r.length);
    let total = 0;
    for (const n of lengths) total += n;
    const flat = new Int32Array(total);
    let at = 0;
    for (const row of rows) {
      for (let j = 0; j < row.length; j++) flat[at + j] = row[j]!;
      at += row.length;
    }
    return CdfTables.build(precision, flat, lengths, offsets);
  }

  /**
   * Builds tables from the padded 2-D layout of TFC and CompressAI: `cdf` holds
   * `lengths.length` rows of `stride` entries each, of which the first `lengths[i]` count.
   *
   * @param cdf - Row-major padded CDFs, `lengths.length * stride` entries.
   * @param lengths - Entries used in each row.
   * @param offsets - Value of symbol 0 in each row.
   * @param precision - Bits of the CDF total, 1..16.
   * @param stride - Entries per padded row; defaults to `cdf.length / lengths.length`.
   */
  static fromPadded(cdf: ArrayLike<number>, lengths: ArrayLike<number>, offsets: ArrayLike<number>, precision: number, stride?: number): CdfTables {
    const count = lengths.length;
    const rowStride = stride ?? (count === 0 ? 0 : cdf.length / count);
    if (!Number.isInteger(rowStride) || rowStride * count !== cdf.length) {
      throw new ShapeError(`padded cdf must hold ${count} rows of equal length; found ${cdf.length} entries (stride ${String(rowStride)})`);
    }
    const used: number[] = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      const n = lengths[i]!;
      if (!Number.isInteger(n) || n < 2 || n > rowStride) {
        throw new InvalidArgumentError(`lengths[${i}] must be an integer in 2..${rowStride} (the row stride), found ${String(n)}`);
      }
      used.push(n);
      total += n;
    }
    const flat = new Int32Array(total);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const n = used[i]!;
      for (let j = 0; j < n; j++) flat[at + j] = cdf[i * rowStride + j]!;
      at += n;
    }
    return CdfTables.build(precision, flat, used, offsets);
  }

  /**
   * Builds tables from PMFs with {@link pmfToQuantizedCdf}; each PMF's last entry is the
   * escape symbol's mass (TFC appends the tail mass there).
   *
   * @param pmfs - One PMF per table, escape mass last.
   * @param offsets - Value of symbol 0 in each table.
   * @param precision - Bits of the CDF total, 1..16.
   */
  static fromPmfs(pmfs: ReadonlyArray<ArrayLike<number>>, offsets: ArrayLike<number>, precision: number): CdfTables {
    return CdfTables.fromRows(
      pmfs.map((p) => pmfToQuantizedCdf(p, precision)),
      offsets,
      precision,
    );
  }

  private static build(precision: number, flat: Int32Array, lengths: readonly number[], offsets: ArrayLike<number>): CdfTables {
    checkPrecision(precision);
    const count = lengths.length;
    if (offsets.length !== count) {
      throw new ShapeError(`expected one offset per table (${count}), found ${offsets.length}`);
    }
    const total = 2 ** precision;
    const starts = new Int32Array(count);
    const lens = new Int32Array(count);
    const offs = new Int32Array(count);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const n = lengths[i]!;
      if (!Number.isInteger(n) || n < 2 || n > total + 1) {
        throw new InvalidArgumentError(`table ${i}: a ${precision}-bit CDF row needs 2..${total + 1} entries, found ${String(n)}`);
      }
      const o = offsets[i]!;
      if (!Number.isInteger(o) || o < -0x80000000 || o > 0x7fffffff) {
        throw new InvalidArgumentError(`offsets[${i}] must be an int32, found ${String(o)}`);
      }
      if (flat[at] !== 0) throw new InvalidArgumentError(`table ${i}: CDF must start at 0, found ${flat[at]}`);
      for (let j = 1; j < n; j++) {
        const prev = flat[at + j - 1]!;
        const cur = flat[at + j]!;
        if (cur <= prev) {
          throw new InvalidArgumentError(`table ${i}: CDF must be strictly increasing (every symbol frequency >= 1), but entry ${j} is ${cur} after ${prev}`);
        }
      }
      if (flat[at + n - 1] !== total) {
        throw new InvalidArgumentError(`table ${i}: CDF must end at 2^${precision} = ${total}, found ${flat[at + n - 1]}`);
      }
      starts[i] = at;
      lens[i] = n;
      offs[i] = o;
      at += n;
    }
    return new CdfTables(precision, flat, starts, lens, offs);
  }

  /**
   * Decoder lookup: for each table, `2^bits` buckets giving the symbol that covers the
   * start of the bucket. Built on first use and kept; see {@link SymbolLookup}.
   */
  lookup(): SymbolLookup {
    this.lookupCache ??= buildLookup(this);
    return this.lookupCache;
  }

  /**
   * Encoder division table: for each CDF entry `j` (a symbol's lower bound), a double
   * `r[j] = (1 + 2^-32) / f` with `f = cdf[j + 1] - cdf[j]`, so that
   * `floor(x * r[j]) = floor(x / f)` exactly for every `0 <= x < 2^31`: the factor
   * `1 + 2^-32` outweighs the rounding of the reciprocal and the product (so the result
   * never falls below an exact quotient), and adds less than `2^31 / f * 2^-31.9 < 1 / f`,
   * which cannot reach the next integer. Built on first use and kept.
   */
  reciprocals(): Float64Array {
    if (this.reciprocalCache === undefined) {
      const r = new Float64Array(this.cdf.length);
      for (let i = 0; i < this.count; i++) {
        const start = this.starts[i]!;
        const end = start + this.lengths[i]! - 1;
        for (let j = start; j < end; j++) r[j] = (1 + 2 ** -32) / (this.cdf[j + 1]! - this.cdf[j]!);
      }
      this.reciprocalCache = r;
    }
    return this.reciprocalCache;
  }

  /**
   * Information content, in bits, of coding `value` with table `index` under these
   * integer frequencies, escape payload included (see {@link escapeCost}). Useful for ideal-size estimates.
   */
  bitsOf(value: number, index: number): number {
    const start = this.starts[index]!;
    const n = this.lengths[index]!;
    const rel = value - this.offsets[index]!;
    const cdf = this.cdf;
    const p = this.precision;
    if (rel >= 0 && rel < n - 2) {
      return p - Math.log2(cdf[start + rel + 1]! - cdf[start + rel]!);
    }
    const escape = n - 2;
    return p - Math.log2(cdf[start + escape + 1]! - cdf[start + escape]!) + escapeCost(rel, escape);
  }
}

/**
 * Bucketed symbol lookup for decoding: `buckets[(table << bits) + (t >> shift)]` is the
 * largest symbol whose CDF entry is <= the bucket's first target; the decoder then
 * steps forward at most `2^shift` symbols to find the exact one.
 */
export interface SymbolLookup {
  /** log2 of the number of buckets per table. */
  readonly bits: number;
  /** `precision - bits`: target values per bucket are `2^shift`. */
  readonly shift: number;
  /** Flattened buckets, `count << bits` entries. */
  readonly buckets: Uint16Array;
}

function buildLookup(tables: CdfTables): SymbolLookup {
  const bits = Math.min(tables.precision, MAX_LOOKUP_BITS);
  const shift = tables.precision - bits;
  const per = 1 << bits;
  const buckets = new Uint16Array(tables.count * per);
  const cdf = tables.cdf;
  for (let i = 0; i < tables.count; i++) {
    const start = tables.starts[i]!;
    const last = tables.lengths[i]! - 2;
    let s = 0;
    for (let b = 0; b < per; b++) {
      const t = b << shift;
      while (s < last && cdf[start + s + 1]! <= t) s++;
      buckets[i * per + b] = s;
    }
  }
  return { bits, shift, buckets };
}
