import { CorruptStreamError } from '@ncomp/core/errors';
import type { CdfTables } from './cdf-tables.js';
import { checkIndex } from './checks.js';
import { RunDecoder } from './run-decoder.js';
import { finalValue, RANGE_BOTTOM, RANGE_TOP } from './range-encoder.js';

/**
 * Range decoder for streams of {@link RangeEncoder}.
 *
 * It mirrors the encoder's `low` and `range` modulo 2^32 (carries already sit in the
 * bytes) and holds the 32-bit window `code` of the stream. Invariant between symbols:
 * for a valid stream `0 <= (code - low) mod 2^32 < range`; a stream that breaks it is
 * reported as corrupt at once, and so is a stream that ends before the decoder has read
 * all it needs (a valid stream holds exactly the bytes the decoder reads). Decoding is
 * bounded by the number of symbols requested and never reads out of bounds.
 *
 * The symbol of a window value: the target `t = floor(((d + 1) 2^p - 1) / range)`, with
 * `d = (code - low) mod 2^32`, is the largest t with `floor(range t / 2^p) <= d`, so the
 * symbol s with `cdf[s] <= t < cdf[s + 1]` is exactly the one the encoder narrowed to.
 * The numerator is below 2^49 and exact; the quotient's fractional part is at least
 * `1 / range >= 2^-32`, far above rounding error, so flooring the double division is exact.
 *
 * @example
 * Decoding in parts (a run, then single values), checking the end, and refusing a stream
 * asked for more values than it holds:
 * ```ts
 * import assert from 'node:assert/strict';
 * import { CorruptStreamError } from '@ncomp/core/errors';
 * import { CdfTables, RangeDecoder, rangeCoder } from '@ncomp/entropy/coding';
 *
 * const tables = CdfTables.fromPmfs([[0.1, 0.8, 0.1, 1e-3]], [-1], 14); // values -1, 0, 1; escape last
 * const values = Int32Array.of(0, 0, 1, -1, 0, 7); // 7 is outside the table: coded after an escape
 * const indexes = new Int32Array(values.length); // every value with table 0
 * const bytes = rangeCoder.encode(values, indexes, tables);
 *
 * const decoder = new RangeDecoder(bytes, tables);
 * const first = new Int32Array(4);
 * decoder.decodeRun(indexes.subarray(0, 4), first); // the fast many-value loop
 * const rest = [decoder.decode(0), decoder.decode(0)]; // one value at a time
 * decoder.finish(); // throws CorruptStreamError unless the stream ended exactly here
 * assert.deepEqual([...first, ...rest], [...values]);
 *
 * // One value too many: reported as corruption, never answered with made-up values.
 * assert.throws(() => new RangeDecoder(bytes, tables).decodeAll(new Int32Array(values.length + 1)), CorruptStreamError);
 * ```
 */
export class RangeDecoder extends RunDecoder {
  private low = 0;
  private range = RANGE_TOP;
  private code = 0;
  private pos = 0;

  /**
   * @param bytes - The stream.
   * @param tables - The tables it was encoded with.
   */
  constructor(
    private readonly bytes: Uint8Array,
    tables: CdfTables,
  ) {
    super(tables);
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + this.nextByte();
  }

  private nextByte(): number {
    if (this.pos >= this.bytes.length) throw endOfStream();
    return this.bytes[this.pos++]!;
  }

  /**
   * Decodes `indexes.length` values into `out`, value `i` with table `indexes[i]`.
   * @throws CorruptStreamError for a stream that cannot be valid; InvalidArgumentError for a bad index.
   */
  override decodeRun(indexes: ArrayLike<number>, out: Int32Array): void {
    const tables = this.tables;
    const { cdf, starts, lengths, offsets, count } = tables;
    const { bits, shift, buckets } = tables.lookup();
    const total = 2 ** tables.precision;
    const scale = 1 / total;
    const bytes = this.bytes;
    const nbytes = bytes.length;
    let low = this.low;
    let range = this.range;
    let code = this.code;
    let pos = this.pos;
    const n = indexes.length;
    for (let i = 0; i < n; i++) {
      const index = indexes[i]!;
      if (index >>> 0 !== index || index >= count) checkIndex(index, tables);
      const start = starts[index]!;
      const escape = lengths[index]! - 2;
      let d = code - low;
      if (d < 0) d += RANGE_TOP;
      if (d >= range) throw outOfInterval(pos);
      const t = Math.floor(((d + 1) * total - 1) / range);
      let s = buckets[(index << bits) + (t >>> shift)]!;
      while (s < escape && cdf[start + s + 1]! <= t) s++;
      const hi = cdf[start + s + 1]!;
      const a = Math.floor(range * cdf[start + s]! * scale);
      const b = hi === total ? range : Math.floor(range * hi * scale);
      low = (low + a) >>> 0; // mod 2^32
      range = b - a;
      while (range < RANGE_BOTTOM) {
        if (pos >= nbytes) throw endOfStream();
        code = ((code << 8) | bytes[pos++]!) >>> 0;
        low = (low << 8) >>> 0;
        range *= 256;
      }
      if (s < escape) {
        out[i] = s + offsets[index]!;
        continue;
      }
      this.low = low;
      this.range = range;
      this.code = code;
      this.pos = pos;
      out[i] = this.decodeEscapePayload(escape, offsets[index]!);
      low = this.low;
      range = this.range;
      code = this.code;
      pos = this.pos;
    }
    this.low = low;
    this.range = range;
    this.code = code;
    this.pos = pos;
  }

  /** Decodes `bits` (1..16) raw bits sent with {@link RangeEncoder.encodeBits}. */
  override decodeBits(bits: number): number {
    const total = 2 ** bits;
    let d = this.code - this.low;
    if (d < 0) d += RANGE_TOP;
    if (d >= this.range) throw outOfInterval(this.pos);
    const v = Math.floor(((d + 1) * total - 1) / this.range);
    // Same narrowing as the loop in decodeRun, on the fields.
    const r = this.range;
    const a = Math.floor((r * v) / total);
    const b = v + 1 === total ? r : Math.floor((r * (v + 1)) / total);
    this.low = (this.low + a) >>> 0;
    this.range = b - a;
    while (this.range < RANGE_BOTTOM) {
      this.code = ((this.code << 8) | this.nextByte()) >>> 0;
      this.low = (this.low << 8) >>> 0;
      this.range *= 256;
    }
    return v;
  }

  /** {@inheritDoc IncrementalDecoder.finish} */
  override finish(): void {
    if (this.pos !== this.bytes.length) {
      throw new CorruptStreamError(
        `stream has ${this.bytes.length - this.pos} byte(s) left after the last value: wrong tables, wrong number of values, or a damaged stream`,
      );
    }
    const expected = finalValue(this.low, this.range) % RANGE_TOP; // the window only sees 32 bits
    // A wrong number of values or other tables leave another state, whose hashed end point
    // differs from the stream's with probability about 1 - 1/range (see finalValue).
    if (this.code !== expected) {
      throw new CorruptStreamError(
        "range decoder did not end on the encoder's final value: the stream is damaged, or was decoded with other tables, indexes or number of values",
      );
    }
  }
}

function endOfStream(): CorruptStreamError {
  return new CorruptStreamError(
    'range-coded stream ended before the requested values were decoded: it is truncated, damaged, or was encoded with other tables',
  );
}

function outOfInterval(pos: number): CorruptStreamError {
  return new CorruptStreamError(
    `range decoder state left its interval near byte ${Math.max(0, pos - 4)}: the stream is damaged, truncated, or was encoded with other tables`,
  );
}
