/**
 * A bounds-checked cursor over container bytes. Every read checks the remaining length
 * first, so damaged or truncated input yields a {@link CorruptStreamError} naming the
 * field and byte offset, never a RangeError or an out-of-bounds `undefined`.
 */
import { CorruptStreamError } from '@ncomp/core/errors';
import { decodeVarUint } from './varint.js';

/** Builds the CorruptStreamError of a container, prefixed so its origin is clear. */
export function corrupt(message: string, options?: ErrorOptions): CorruptStreamError {
  return new CorruptStreamError(`corrupt ncomp file: ${message}`, options);
}

/** Reads fields in order from `bytes[0 .. end)`. */
export class ByteReader {
  /** Offset of the next byte to read. */
  offset: number;
  /**
   * Set when a read ran past `end`: the number of bytes the data would need to hold
   * that read (a lower bound on the intended length). Undefined otherwise.
   */
  overrun: number | undefined = undefined;

  /**
   * @param bytes - The data.
   * @param end - Reads stop here (exclusive); at most `bytes.length`.
   * @param offset - Where to start.
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly end: number,
    offset: number,
  ) {
    this.offset = offset;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.offset) {
      this.overrun = this.offset + n;
      const span = n === 1 ? `byte ${this.offset}` : `bytes ${this.offset}..${this.offset + n - 1}`;
      throw corrupt(`truncated: ${what} needs ${span}, but the data ends at byte ${this.end}`);
    }
  }

  /** Reads one unsigned byte. */
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset++]!;
  }

  /** Returns a view of the next `n` bytes (no copy) and advances past them. */
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** Reads a little-endian IEEE 754 float64. */
  float64(what: string): number {
    this.need(8, what);
    const b = this.bytes;
    const v = new DataView(b.buffer, b.byteOffset + this.offset, 8).getFloat64(0, true);
    this.offset += 8;
    return v;
  }

  /**
   * Reads a canonical unsigned LEB128 varint no larger than `max`.
   *
   * @throws CorruptStreamError when the data ends inside it, it is longer than 8 bytes or
   *   not in its shortest form, or its value exceeds `max`.
   */
  varUint(what: string, max: number): number {
    const at = this.offset;
    const r = decodeVarUint(this.bytes.subarray(0, this.end), at);
    if (!r.ok) {
      if (r.reason === 'truncated') {
        this.overrun = this.end + 1;
        throw corrupt(`truncated: ${what} (a varint starting at byte ${at}) runs past the end of the data at byte ${this.end}`);
      }
      const why = r.reason === 'too-long' ? 'longer than 8 bytes or above 2^53 - 1' : 'not in its shortest form (it ends in a 0x00 continuation byte)';
      throw corrupt(`bad varint for ${what} at byte ${at}: ${why}`);
    }
    if (r.value > max) throw corrupt(`${what} at byte ${at}: expected at most ${max}, found ${r.value}`);
    this.offset = r.next;
    return r.value;
  }
}
