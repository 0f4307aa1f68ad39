import { CorruptStreamError } from '@ncomp/core/errors';
import type { CdfTables } from './cdf-tables.js';
import { checkIndex } from './checks.js';
import { RunDecoder } from './run-decoder.js';
import { RANS_LOWER } from './rans-encoder.js';

/** Bytes of the stream header: the two final encoder states. */
const HEADER_BYTES = 8;

/**
 * rANS decoder for streams of {@link RansEncoder}: it pops values in the order they
 * are decoded, value `i` from state `i mod 2`. The stream starts with the encoder's two
 * final states (4 bytes each, big-endian, chain 0 first), which must lie in
 * [2^22, 2^30); a valid stream ends with both states back at 2^22 and every byte
 * consumed, which {@link RansDecoder.finish} checks. Needing a byte past the end is
 * reported as corruption at once, so decoding never reads out of bounds and does
 * bounded work per value requested.
 *
 * @example
 * Decoding value by value, where the table of each value depends on the values decoded
 * before it (the decoder must choose exactly the tables the encoder chose):
 * ```ts
 * import assert from 'node:assert/strict';
 * import { CorruptStreamError } from '@ncomp/core/errors';
 * import { CdfTables, RansDecoder, RansEncoder } from '@ncomp/entropy/coding';
 *
 * // Table 0 after a zero (zeros come in runs), table 1 after anything else.
 * const tables = CdfTables.fromPmfs([[0.9, 0.05, 0.05, 1e-3], [0.3, 0.3, 0.4, 1e-3]], [0, 0], 14);
 * const context = (previous: number): number => (previous === 0 ? 0 : 1);
 * const values = [0, 0, 0, 2, 1, 0, 0, 0, 0, 1, 2, 2, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 1, 0, 0, 0];
 * const encoder = new RansEncoder(tables);
 * values.forEach((v, i) => encoder.encode(v, context(values[i - 1] ?? 0)));
 * const bytes = encoder.finish();
 *
 * const decodeValues = (stream: Uint8Array): number[] => {
 *   const decoder = new RansDecoder(stream, tables);
 *   const decoded: number[] = [];
 *   for (let i = 0; i < values.length; i++) decoded.push(decoder.decode(context(decoded[i - 1] ?? 0)));
 *   decoder.finish(); // throws CorruptStreamError unless the states are back at their start, every byte read
 *   return decoded;
 * };
 * assert.deepEqual(decodeValues(bytes), values);
 * // A damaged stream is refused, here one cut short by a byte.
 * assert.throws(() => decodeValues(bytes.subarray(0, bytes.length - 1)), CorruptStreamError);
 * ```
 */
export class RansDecoder extends RunDecoder {
  /** State of the chain that decodes the next value. */
  private xa: number;
  /** State of the other chain. */
  private xb: number;
  private pos = HEADER_BYTES;
  /** The stream followed by 2 zero bytes, for the branch-free refill in {@link RansDecoder.decodeRun}. */
  private readonly padded: Uint8Array;

  /**
   * @param bytes - The stream.
   * @param tables - The tables it was encoded with.
   * @throws CorruptStreamError when the stream is shorter than its 8-byte header or a
   *   state in it is out of range.
   */
  constructor(
    private readonly bytes: Uint8Array,
    tables: CdfTables,
  ) {
    super(tables);
    if (bytes.length < HEADER_BYTES) {
      throw new CorruptStreamError(`rANS stream must hold at least ${HEADER_BYTES} bytes (the coder states), found ${bytes.length}`);
    }
    this.padded = new Uint8Array(bytes.length + 2);
    this.padded.set(bytes);
    this.xa = readState(bytes, 0);
    this.xb = readState(bytes, 4);
  }

  /**
   * Decodes `indexes.length` values into `out`, value `i` with table `indexes[i]`.
   *
   * Per value: `slot = x mod 2^p` falls in [cdf[s], cdf[s + 1]) of exactly one symbol
   * s; then `x = f (x >> p) + slot - cdf[s]` inverts the encoder's push, and bytes are
   * read while `x < 2^22`. Post: `2^22 <= x < 2^30` (the product is below
   * `2^p 2^(30 - p)`), then the chains swap.
   * @throws CorruptStreamError when the stream runs out; InvalidArgumentError for a bad index.
   */
  override decodeRun(indexes: ArrayLike<number>, out: Int32Array): void {
    const tables = this.tables;
    const { cdf, starts, lengths, offsets, count, precision } = tables;
    const { bits, shift, buckets } = tables.lookup();
    const mask = (1 << precision) - 1;
    const bytes = this.padded;
    const nbytes = this.bytes.length;
    let xa = this.xa;
    let xb = this.xb;
    let pos = this.pos;
    const n = indexes.length;
    for (let i = 0; i < n; i++) {
      const index = indexes[i]!;
      if (index >>> 0 !== index || index >= count) checkIndex(index, tables);
      const start = starts[index]!;
      const escape = lengths[index]! - 2;
      const slot = xa & mask;
      let s = buckets[(index << bits) + (slot >>> shift)]!;
      while (s < escape && cdf[start + s + 1]! <= slot) s++;
      const lo = cdf[start + s]!;
      xa = (cdf[start + s + 1]! - lo) * (xa >>> precision) + slot - lo;
      // Read bytes while x < 2^22: at most 2 (x >= 2^(22 - p) >= 2^6 after the pop), done
      // without branches; the input is padded with 2 bytes so both reads stay in bounds,
      // and a read past the real end is caught just after.
      let in1 = (xa - RANS_LOWER) >>> 31;
      xa = (xa << (in1 << 3)) | (bytes[pos]! & -in1);
      pos += in1;
      in1 = (xa - RANS_LOWER) >>> 31;
      xa = (xa << (in1 << 3)) | (bytes[pos]! & -in1);
      pos += in1;
      if (pos > nbytes) throw endOfStream();
      if (s < escape) {
        out[i] = s + offsets[index]!;
      } else {
        this.xa = xa;
        this.pos = pos;
        out[i] = this.decodeEscapePayload(escape, offsets[index]!);
        xa = this.xa;
        pos = this.pos;
      }
      const t = xa;
      xa = xb;
      xb = t;
    }
    this.xa = xa;
    this.xb = xb;
    this.pos = pos;
  }

  /** Pops `bits` (1..16) raw bits from the current chain (a symbol of frequency 1 out of 2^bits). */
  protected override decodeBits(bits: number): number {
    let x = this.xa;
    const v = x & ((1 << bits) - 1);
    x = x >>> bits;
    while (x < RANS_LOWER) {
      if (this.pos >= this.bytes.length) throw endOfStream();
      x = (x << 8) | this.bytes[this.pos++]!;
    }
    this.xa = x;
    return v;
  }

  /** {@inheritDoc IncrementalDecoder.finish} */
  override finish(): void {
    if (this.pos !== this.bytes.length) {
      throw new CorruptStreamError(
        `stream has ${this.bytes.length - this.pos} byte(s) left after the last value: wrong tables, wrong number of values, or a damaged stream`,
      );
    }
    if (this.xa !== RANS_LOWER || this.xb !== RANS_LOWER) {
      throw new CorruptStreamError('rANS decoder did not end in the initial state: the stream is damaged or was decoded with other tables or indexes');
    }
  }
}

function readState(bytes: Uint8Array, at: number): number {
  const x = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  if (x < RANS_LOWER || x >= RANS_LOWER * 256) {
    throw new CorruptStreamError(`rANS stream holds state ${x} at byte ${at}, outside [2^22, 2^30): not a rANS stream of this coder`);
  }
  return x;
}

function endOfStream(): CorruptStreamError {
  return new CorruptStreamError('rANS stream ended before the requested values were decoded: it is truncated, damaged, or was encoded with other tables');
}
