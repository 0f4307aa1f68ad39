import { InvalidArgumentError } from '@ncomp/core/errors';
import { BackwardBytes } from './byte-buffers.js';
import type { CdfTables } from './cdf-tables.js';
import { checkIndex, checkValue } from './checks.js';
import type { IncrementalEncoder } from './coder.js';
import { ESCAPE_LENGTH_BITS, splitEscape } from './escape.js';

/** 2^22: lower bound of the rANS state; each state lives in [2^22, 2^30). */
export const RANS_LOWER = 0x400000;

/**
 * Byte-wise rANS encoder (Duda 2013; the byte-renormalised, two-way interleaved variant
 * of ryg_rans) with 30-bit states, so every state is a small integer (Smi) to V8 and no
 * arithmetic ever leaves the fast int32 paths.
 *
 * Two states alternate: value `i` of a stream is coded by state `i mod 2`, so the two
 * dependency chains overlap in the CPU. Both write into one byte stream; the decoder
 * reads bytes in exactly the reverse order they were written, which interleaving
 * preserves because each push is undone by the decoder's pop of the same value.
 *
 * rANS is last-in first-out: values are pushed in reverse of decoding order and the
 * output grows from the back. Invariant: `2^22 <= x < 2^30` for each state between
 * values. To push [start, start + f) out of 2^p, bytes are shifted out while
 * `x >= 2^(30 - p) f`. Afterwards `x < 2^(30 - p) f`, and `x >= 2^(22 - p) f` (either no
 * byte left and x >= 2^22, or the last shift divided a value >= 2^(30 - p) f by 256). So
 * the new state `floor(x / f) 2^p + x mod f + start` is at least `2^(22 - p) 2^p = 2^22`
 * and at most `(2^(30 - p) - 1) 2^p + 2^p - 1 < 2^30`.
 */
export class RansPusher {
  /** State of the chain that codes the next value pushed. */
  xa = RANS_LOWER;
  /** State of the other chain. */
  xb = RANS_LOWER;
  /** Output bytes, written back to front. */
  readonly out: BackwardBytes;

  constructor(capacityHint: number) {
    this.out = new BackwardBytes(capacityHint);
  }

  /** Pushes [start, start + freq) out of 2^precision onto state `xa` (no chain switch). */
  push(start: number, freq: number, precision: number): void {
    let x = this.xa;
    const max = (1 << (30 - precision)) * freq;
    while (x >= max) {
      this.out.push(x & 0xff);
      x >>>= 8;
    }
    const q = Math.floor(x / freq);
    this.xa = x + q * ((1 << precision) - freq) + start;
  }

  /**
   * Pushes `values[i]` with table `indexes[i]` for i from the last to the first, so the
   * decoder reads them first to last; value `i` goes to chain `i mod 2`. Values and
   * indexes are checked on the way.
   */
  pushAllReversed(tables: CdfTables, values: ArrayLike<number>, indexes: ArrayLike<number>): void {
    const { cdf, starts, lengths, offsets, count, precision } = tables;
    const rcp = tables.reciprocals();
    const total = 1 << precision;
    const maxBase = 1 << (30 - precision);
    const out = this.out;
    let buf = out.buf;
    let pos = out.start;
    const n = values.length;
    // Chain of value n - 1 first: xa must be state ((n - 1) mod 2).
    let xa = (n - 1) % 2 === 0 ? this.xa : this.xb;
    let xb = (n - 1) % 2 === 0 ? this.xb : this.xa;
    for (let i = n - 1; i >= 0; i--) {
      const value = values[i]!;
      const index = indexes[i]!;
      if ((value | 0) !== value) checkValue(value);
      if (index >>> 0 !== index || index >= count) checkIndex(index, tables);
      const start = starts[index]!;
      const escape = lengths[index]! - 2;
      const rel = value - offsets[index]!;
      if (rel >= 0 && rel < escape) {
        const j = start + rel;
        const lo = cdf[j]!;
        const freq = cdf[j + 1]! - lo;
        // Shift out bytes while x >= 2^(30 - p) f: at most 2 (x < 2^30, 2^(30 - p) f >= 2^14),
        // done without branches since whether a byte goes out is unpredictable. A byte is
        // always stored below pos but only kept (pos moved) when it goes out.
        const limit = maxBase * freq - 1;
        if (pos < 2) {
          out.start = pos;
          buf = out.reserve(Math.min(2 * i + 2, 1 << 16));
          pos = out.start;
        }
        let out1 = (limit - xa) >>> 31;
        buf[pos - 1] = xa;
        pos -= out1;
        xa >>>= out1 << 3;
        out1 = (limit - xa) >>> 31;
        buf[pos - 1] = xa;
        pos -= out1;
        xa >>>= out1 << 3;
        // floor(x / f) by the exact reciprocal table; `| 0` truncates, which is floor here.
        const q = (xa * rcp[j]!) | 0;
        xa = xa + q * (total - freq) + lo;
      } else {
        out.start = pos;
        this.xa = xa;
        this.pushEscape(rel, start, escape, tables);
        buf = out.buf;
        pos = out.start;
        xa = this.xa;
      }
      const t = xa;
      xa = xb;
      xb = t;
    }
    out.start = pos;
    // After value 0, xb holds chain 0 and xa chain 1.
    this.xa = n === 0 ? this.xa : xb;
    this.xb = n === 0 ? this.xb : xa;
  }

  /** Pushes an escape onto `xa`: payload chunks last to first, then the length, then the escape symbol. */
  private pushEscape(rel: number, start: number, escape: number, tables: CdfTables): void {
    const e = splitEscape(rel, escape);
    if (e.lowBits > 0) this.push(e.low, 1, e.lowBits);
    if (e.highBits > 0) this.push(e.high, 1, e.highBits);
    this.push(e.k, 1, ESCAPE_LENGTH_BITS);
    const lo = tables.cdf[start + escape]!;
    this.push(lo, tables.cdf[start + escape + 1]! - lo, tables.precision);
  }

  /**
   * Writes both final states (chain 0 first, 4 bytes each, big-endian, at the front)
   * and returns the stream. Call after {@link RansPusher.pushAllReversed}, when `xa` is
   * chain 0.
   */
  finish(): Uint8Array {
    for (const x of [this.xb, this.xa]) {
      this.out.push(x & 0xff);
      this.out.push((x >>> 8) & 0xff);
      this.out.push((x >>> 16) & 0xff);
      this.out.push(x >>> 24);
    }
    return this.out.toBytes();
  }
}

/** Values per chunk of {@link RansEncoder}'s buffer: even, so chunks keep the chains' parity. */
const CHUNK = 1 << 16;

/**
 * Marks a value that does not fit an int8 slot (itself included): the value is stored in
 * {@link RansEncoder}'s side table. Latent symbols are deviations from a predicted mean in
 * quantization steps, nearly all within ±127, so the side table stays small.
 */
const WIDE = -0x80;

/**
 * Incremental rANS encoder. rANS codes in reverse, so values are buffered and coded when
 * {@link RansEncoder.finish} is called; the decoder side is truly incremental. The buffer
 * is compact, because it holds a whole latent for large images (300 million values for
 * 100 megapixels with the default model): fixed chunks of int8 values (wider ones in a
 * side table) and uint8 table indexes (int32 for more than 256 tables), 2 bytes a value,
 * never over-allocated by more than one chunk. The stream equals `ransEncode`'s.
 *
 * @example
 * Values coded one by one, each with the table its context picks (here: the previous
 * value's sign); the stream is the one {@link ransCoder}'s bulk `encode` writes for the
 * same values and tables.
 * ```ts
 * import assert from 'node:assert/strict';
 * import { CdfTables, RansDecoder, RansEncoder, ransCoder } from '@ncomp/entropy/coding';
 *
 * const tables = CdfTables.fromPmfs(
 *   [
 *     [0.7, 0.2, 0.1, 1e-3], // values 0, 1, 2 (after a value >= 0)
 *     [0.1, 0.2, 0.7, 1e-3], // values -2, -1, 0 (after a negative value)
 *   ],
 *   [0, -2],
 *   15,
 * );
 * const values = [0, 1, -2, -1, 0, 2, 40]; // 40 is outside both tables: an escape codes it
 * const indexes = values.map((_, i) => (i > 0 && values[i - 1]! < 0 ? 1 : 0));
 * const encoder = new RansEncoder(tables);
 * values.forEach((v, i) => encoder.encode(v, indexes[i]!));
 * const bytes = encoder.finish(); // the encoder is spent: encode() or finish() again throws
 *
 * assert.deepEqual(bytes, ransCoder.encode(values, indexes, tables));
 * assert.deepEqual([...new RansDecoder(bytes, tables).decodeAll(indexes)], values);
 * ```
 */
export class RansEncoder implements IncrementalEncoder {
  private readonly values: Int8Array[] = [];
  private readonly indexes: (Uint8Array | Int32Array)[] = [];
  /** Per chunk, its values that do not fit int8, in order (their slots hold {@link WIDE}). */
  private readonly wide: number[][] = [];
  private n = 0;
  private done = false;

  /** @param tables - Tables to code with. */
  constructor(private readonly tables: CdfTables) {}

  /** {@inheritDoc IncrementalEncoder.encode} */
  encode(value: number, index: number): void {
    this.assertOpen();
    checkValue(value);
    checkIndex(index, this.tables);
    const at = this.n % CHUNK;
    if (at === 0) {
      this.values.push(new Int8Array(CHUNK));
      this.indexes.push(this.tables.count <= 256 ? new Uint8Array(CHUNK) : new Int32Array(CHUNK));
      this.wide.push([]);
    }
    const chunk = this.values.length - 1;
    if (value > WIDE && value <= 0x7f) this.values[chunk]![at] = value;
    else {
      this.values[chunk]![at] = WIDE;
      this.wide[chunk]!.push(value);
    }
    this.indexes[chunk]![at] = index;
    this.n++;
  }

  /** {@inheritDoc IncrementalEncoder.finish} */
  finish(): Uint8Array {
    this.assertOpen();
    this.done = true;
    const pusher = new RansPusher(Math.max(64, Math.min(this.n >> 1, 1 << 24)));
    const values = new Int32Array(CHUNK);
    const indexes = new Int32Array(CHUNK);
    // Last chunk first; each starts at an even position, so local parity is global parity.
    for (let k = this.values.length - 1; k >= 0; k--) {
      const length = Math.min(CHUNK, this.n - k * CHUNK);
      const v = this.values[k]!;
      const i = this.indexes[k]!;
      const wide = this.wide[k]!;
      let w = 0;
      for (let j = 0; j < length; j++) {
        values[j] = v[j] === WIDE ? wide[w++]! : v[j]!;
        indexes[j] = i[j]!;
      }
      pusher.pushAllReversed(this.tables, values.subarray(0, length), indexes.subarray(0, length));
      this.values.pop();
      this.indexes.pop();
      this.wide.pop();
    }
    return pusher.finish();
  }

  private assertOpen(): void {
    if (this.done) throw new InvalidArgumentError('this RansEncoder was already finished; start a new one');
  }
}

/** Bulk rANS encoding (values and indexes are checked while coding). */
export function ransEncode(values: ArrayLike<number>, indexes: ArrayLike<number>, tables: CdfTables): Uint8Array {
  const pusher = new RansPusher(Math.max(64, values.length >> 1));
  pusher.pushAllReversed(tables, values, indexes);
  return pusher.finish();
}
