/**
 * Unsigned LEB128 variable-length integers ("varints"), as used by the container for
 * image sizes, the stream count and stream lengths.
 *
 * Each byte carries 7 bits of the value, least significant group first; the high bit
 * (0x80) is set on every byte but the last. Values are JavaScript numbers, so at most
 * 2^53 - 1 (eight bytes). Decoding is strict: an encoding must be the shortest one for
 * its value (no redundant trailing `0x80 ... 0x00` groups), so every value has exactly
 * one encoding and a decoded container re-encodes to the same bytes.
 *
 * Internal to the container; not re-exported from the package entry.
 */
import { InvalidArgumentError } from '@ncomp/core/errors';

/** The most bytes a varint of a value up to `Number.MAX_SAFE_INTEGER` takes (ceil(53 / 7)). */
export const MAX_VARUINT_BYTES = 8;

/**
 * Number of bytes the varint encoding of `value` takes (1 for 0..127, 2 for 128..16383, ...).
 *
 * @param value - A non-negative safe integer.
 * @returns The encoded length in bytes, 1..8.
 * @throws InvalidArgumentError when `value` is not a safe integer >= 0.
 */
export function varUintLength(value: number): number {
  checkVarUint(value);
  let n = 1;
  let v = value;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/**
 * Writes the varint encoding of `value` into `out` at `offset`.
 *
 * @param value - A non-negative safe integer.
 * @param out - Destination buffer; must have room for {@link varUintLength}(value) bytes.
 * @param offset - Byte offset in `out` to write at.
 * @returns The byte offset just after the written varint.
 * @throws InvalidArgumentError when `value` is not a safe integer >= 0, or `out` is too short.
 */
export function writeVarUint(value: number, out: Uint8Array, offset: number): number {
  checkVarUint(value);
  if (offset + varUintLength(value) > out.length) {
    throw new InvalidArgumentError(`writeVarUint: expected room for ${varUintLength(value)} bytes at offset ${offset}, found a buffer of ${out.length} bytes`);
  }
  let v = value;
  let i = offset;
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[i++] = v;
  return i;
}

/**
 * The outcome of {@link decodeVarUint}: the value and the offset after it, or why no
 * value could be read.
 *
 * - `truncated`: the input ended inside the varint (every byte read had the high bit set).
 * - `too-long`: more than {@link MAX_VARUINT_BYTES} bytes, or a value above 2^53 - 1.
 * - `non-canonical`: a longer encoding than needed (the last byte is 0x00 after another byte).
 */
export type VarUintResult =
  | { readonly ok: true; readonly value: number; readonly next: number }
  | { readonly ok: false; readonly reason: 'truncated' | 'too-long' | 'non-canonical'; readonly offset: number };

/**
 * Reads one varint from `bytes` at `offset` without throwing on bad data.
 *
 * @param bytes - The input.
 * @param offset - Byte offset of the varint's first byte (may equal `bytes.length`, which
 *   yields `truncated`).
 * @returns The value and the offset just after it, or the reason it could not be read.
 */
export function decodeVarUint(bytes: Uint8Array, offset: number): VarUintResult {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARUINT_BYTES; i++) {
    const at = offset + i;
    const b = bytes[at];
    if (b === undefined) return { ok: false, reason: 'truncated', offset };
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) return { ok: false, reason: 'non-canonical', offset };
      if (!Number.isSafeInteger(value)) return { ok: false, reason: 'too-long', offset };
      return { ok: true, value, next: at + 1 };
    }
    scale *= 0x80;
  }
  return { ok: false, reason: 'too-long', offset };
}

function checkVarUint(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`varint: expected an integer in 0..${Number.MAX_SAFE_INTEGER}, found ${String(value)}`);
  }
}
