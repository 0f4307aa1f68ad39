import { InvalidArgumentError } from '@ncomp/core/errors';
import { ForwardBytes } from './byte-buffers.js';
import type { CdfTables } from './cdf-tables.js';
import { checkIndex, checkValue } from './checks.js';
import type { IncrementalEncoder } from './coder.js';
import { ESCAPE_LENGTH_BITS, splitEscape } from './escape.js';

/** 2^32: the coder's window. */
export const RANGE_TOP = 0x100000000;
/** 2^24: the range is renormalised (one byte shifted out) whenever it drops below this. */
export const RANGE_BOTTOM = 0x1000000;

/**
 * Range encoder with a 32-bit window and exact interval arithmetic (the scheme of
 * TensorFlow Compression's range coder; carry handling as in LZMA).
 *
 * State: `low` and `range` describe the interval [low, low + range) of the code value,
 * scaled so that the next unemitted byte is bits 24..31 of `low`.
 * Invariants between symbols: `0 <= low < 2^33` (bit 32 is a pending carry),
 * `2^24 <= range <= 2^32`, and `low + range < 2^33`. Sub-interval bounds are
 * `floor(range * c / 2^precision)`: `range * c < 2^48`, so doubles compute them exactly,
 * and the full interval is split with no waste (unlike `(range >> precision) * c`).
 *
 * Emitted bytes pass through `cache` (the last byte a carry can still change; -1 before
 * the first) and `pending` (a run of 0xFF bytes after it, all of which a carry turns
 * into 0x00). A byte below 0xFF, or any byte once a carry has arrived, settles
 * everything before it.
 *
 * The symbol loop ({@link RangeEncoder.encodeRun}) keeps the state in locals for speed;
 * rare escape payloads go through {@link RangeEncoder.encodeBits}, which works on the
 * fields, so the loop saves and reloads the state around it.
 *
 * @example
 * Incremental coding, where the table of each value depends on the values before it
 * (here: the table of the next value is chosen by the sign of the previous one).
 * ```ts
 * import assert from 'node:assert/strict';
 * import { CdfTables, RangeDecoder, RangeEncoder } from '@ncomp/entropy/coding';
 *
 * const tables = CdfTables.fromPmfs(
 *   [
 *     [0.7, 0.2, 0.1, 1e-3], // values 0, 1, 2 (after a value >= 0)
 *     [0.1, 0.2, 0.7, 1e-3], // values -2, -1, 0 (after a negative value)
 *   ],
 *   [0, -2],
 *   15,
 * );
 * const context = (previous: number): number => (previous < 0 ? 1 : 0);
 * const values = [0, 1, -2, -1, 0, 2];
 * const encoder = new RangeEncoder(tables);
 * let previous = 0;
 * for (const v of values) {
 *   encoder.encode(v, context(previous));
 *   previous = v;
 * }
 * const bytes = encoder.finish();
 *
 * const decoder = new RangeDecoder(bytes, tables);
 * const decoded: number[] = [];
 * previous = 0;
 * for (let i = 0; i < values.length; i++) decoded.push((previous = decoder.decode(context(previous))));
 * decoder.finish(); // throws CorruptStreamError unless the stream ended exactly here
 * assert.deepEqual(decoded, values);
 * ```
 */
export class RangeEncoder implements IncrementalEncoder {
  private low = 0;
  private range = RANGE_TOP;
  private cache = -1;
  private pending = 0;
  private readonly out: ForwardBytes;
  private readonly one = { value: new Int32Array(1), index: new Int32Array(1) };
  private done = false;

  /**
   * @param tables - Tables to code with.
   * @param capacityHint - Expected output bytes (sizes the first buffer).
   */
  constructor(
    private readonly tables: CdfTables,
    capacityHint = 1024,
  ) {
    this.out = new ForwardBytes(capacityHint);
  }

  /** {@inheritDoc IncrementalEncoder.encode} */
  encode(value: number, index: number): void {
    checkValue(value);
    checkIndex(index, this.tables);
    this.one.value[0] = value;
    this.one.index[0] = index;
    this.encodeRun(this.one.value, this.one.index);
  }

  /**
   * Codes `values[i]` with table `indexes[i]` for all `i`, in order.
   * @throws InvalidArgumentError for a non-int32 value or a bad index (the encoder is
   *   unusable afterwards).
   */
  encodeRun(values: ArrayLike<number>, indexes: ArrayLike<number>): void {
    this.assertOpen();
    const { cdf, starts, lengths, offsets, count } = this.tables;
    const total = 2 ** this.tables.precision;
    const scale = 1 / total;
    const out = this.out;
    let buf = out.buf;
    let len = out.length;
    let low = this.low;
    let range = this.range;
    let cache = this.cache;
    let pending = this.pending;
    const n = values.length;
    for (let i = 0; i < n; i++) {
      const value = values[i]!;
      const index = indexes[i]!;
      if ((value | 0) !== value) checkValue(value);
      if (index >>> 0 !== index || index >= count) checkIndex(index, this.tables);
      const start = starts[index]!;
      const escape = lengths[index]! - 2;
      const rel = value - offsets[index]!;
      if (!(rel >= 0 && rel < escape)) {
        out.length = len;
        this.low = low;
        this.range = range;
        this.cache = cache;
        this.pending = pending;
        this.encodeEscape(rel, start, escape);
        buf = out.buf;
        len = out.length;
        low = this.low;
        range = this.range;
        cache = this.cache;
        pending = this.pending;
        continue;
      }
      const hi = cdf[start + rel + 1]!;
      const a = Math.floor(range * cdf[start + rel]! * scale);
      const b = hi === total ? range : Math.floor(range * hi * scale);
      low += a;
      // b - a >= floor(range / total) >= 2^8: the interval is never empty.
      range = b - a;
      while (range < RANGE_BOTTOM) {
        // shiftLow, inlined.
        if (low < 0xff000000 || low >= RANGE_TOP) {
          const carry = low >= RANGE_TOP ? 1 : 0;
          if (len + pending + 1 > buf.length) {
            out.length = len;
            buf = out.reserve(pending + 1);
          }
          // With no cached byte yet no carry can arrive: the interval lies inside
          // [0, 2^32) scaled by the bytes so far, so the pending bytes are final.
          if (cache >= 0) buf[len++] = cache + carry;
          for (; pending > 0; pending--) buf[len++] = 0xff + carry;
          cache = low >>> 24; // bits 24..31 (>>> drops the carry bit 32)
        } else {
          pending++;
        }
        low = (low & 0xffffff) * 256;
        range *= 256;
      }
    }
    out.length = len;
    this.low = low;
    this.range = range;
    this.cache = cache;
    this.pending = pending;
  }

  /** Codes the escape symbol of a table, then the payload of `rel` (see `escape.ts`). */
  private encodeEscape(rel: number, start: number, escape: number): void {
    const { cdf, precision } = this.tables;
    this.encodeInterval(cdf[start + escape]!, cdf[start + escape + 1]!, precision);
    const p = splitEscape(rel, escape);
    this.encodeBits(p.k, ESCAPE_LENGTH_BITS);
    if (p.highBits > 0) this.encodeBits(p.high, p.highBits);
    if (p.lowBits > 0) this.encodeBits(p.low, p.lowBits);
  }

  /** Codes `bits` (1..16) raw bits of `value` as a uniform symbol. */
  encodeBits(value: number, bits: number): void {
    this.assertOpen();
    if (!(bits >= 1 && bits <= 16 && value >>> 0 === value && value < 2 ** bits)) {
      throw new InvalidArgumentError(`encodeBits needs 1..16 bits and a value that fits, found ${value} in ${bits} bits`);
    }
    this.encodeInterval(value, value + 1, bits);
  }

  /**
   * Narrows the interval to [lo, hi) out of 2^bits and renormalises (the same step as
   * the loop in {@link RangeEncoder.encodeRun}, on the fields).
   * Pre: 0 <= lo < hi <= 2^bits <= 2^16. Post: invariants hold.
   */
  private encodeInterval(lo: number, hi: number, bits: number): void {
    const total = 2 ** bits;
    const r = this.range;
    const a = Math.floor((r * lo) / total);
    const b = hi === total ? r : Math.floor((r * hi) / total);
    this.low += a;
    this.range = b - a;
    while (this.range < RANGE_BOTTOM) {
      this.shiftLow();
      this.range *= 256;
    }
  }

  /** Moves bits 24..31 of `low` out of the window (see the class comment). */
  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= RANGE_TOP) {
      const carry = low >= RANGE_TOP ? 1 : 0;
      if (this.cache >= 0) this.out.push(this.cache + carry);
      for (; this.pending > 0; this.pending--) this.out.push(0xff + carry);
      this.cache = low >>> 24;
    } else {
      this.pending++;
    }
    this.low = (low & 0xffffff) * 256;
  }

  /**
   * Ends the stream: moves `low` to `finalValue(low, range)`, a point of
   * [low, low + range) chosen by a hash of the state, and emits its 4 window bytes (plus
   * the cached and pending bytes). The stream then holds exactly the bytes the decoder
   * reads, so the decoder's finish check can demand that every byte was consumed and that
   * its window equals this value. Because the point depends on the whole final state
   * (not only on the interval's widest power-of-256 multiple, which a shorter or longer
   * decode usually shares), a decode of the wrong number of values or with other tables
   * ends elsewhere with probability about 1 - 1/range >= 1 - 2^-24.
   */
  finish(): Uint8Array {
    this.assertOpen();
    this.done = true;
    this.low = finalValue(this.low, this.range);
    for (let i = 0; i < 5; i++) this.shiftLow();
    return this.out.toBytes();
  }

  private assertOpen(): void {
    if (this.done) throw new InvalidArgumentError('this RangeEncoder was already finished; start a new one');
  }
}

/**
 * The point of [low, low + range) a stream ends on: `low + h mod range`, with `h` a 32-bit
 * hash of `low mod 2^32` and `range` (the decoder knows `low` only modulo 2^32; the result
 * may carry into bit 32, which the encoder's carry handling settles). Pre: the coder's
 * invariants (`2^24 <= range <= 2^32`, `low + range < 2^33`). Post: `low <= v < low + range`.
 *
 * Format note: streams of ncomp before issue 17 ended on the interval's multiple of the
 * largest power of 256 instead; their decoders accepted about one wrong-length decode in
 * five of latent-like data, these about one in 2^24.
 */
export function finalValue(low: number, range: number): number {
  return low + (stateHash(low % RANGE_TOP, range) % range);
}

/** A 32-bit mix (murmur3's finalizer) of the two halves of a coder state. */
function stateHash(low: number, range: number): number {
  let h = Math.imul((low ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ (range >>> 0);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
