import { CorruptStreamError } from '@ncomp/core/errors';

/**
 * Escape coding: how a value outside a table's support is coded, identically by the
 * range and rANS coders.
 *
 * A table with `n` CDF entries has symbols `0 .. n - 2`; symbol `e = n - 2` is the
 * escape. A value `v` coded with offset `o` has relative value `r = v - o` (exact in
 * doubles: |r| < 2^32). If `0 <= r < e` the symbol `r` is coded. Otherwise the escape
 * symbol is coded, followed by a payload that carries `r` exactly:
 *
 * 1. `r` is folded to a non-negative integer `u`: `u = -2r - 1` for `r < 0` (odd),
 *    `u = 2 (r - e)` for `r >= e` (even). Both ends of the int32 range give `u < 2^33`.
 * 2. `w = u + 1 >= 1` is written Elias-gamma style: its bit length minus one,
 *    `k = floor(log2 w)` (0..32), as 6 raw bits, then the `k` bits of `w` below its
 *    leading 1, as at most two raw chunks of `k - 16` and `min(k, 16)` bits (high first).
 *
 * Raw bits are coded as uniform symbols (frequency 1 out of 2^bits). A value just
 * outside the support costs the escape symbol plus 6 bits; the farthest int32 values
 * cost the escape plus 38 bits. The decoder refuses `k > 32` and any result outside
 * int32 with a {@link CorruptStreamError}, so a damaged payload cannot yield garbage
 * silently or loop.
 */
export interface EscapePayload {
  /** Bit length of `w` minus one (0..32), sent as {@link ESCAPE_LENGTH_BITS} raw bits. */
  readonly k: number;
  /** Bits of `w` above the low 16 mantissa bits; {@link EscapePayload.highBits} wide. */
  readonly high: number;
  /** Width of {@link EscapePayload.high}: `max(0, k - 16)`. */
  readonly highBits: number;
  /** Low mantissa bits of `w`; {@link EscapePayload.lowBits} wide. */
  readonly low: number;
  /** Width of {@link EscapePayload.low}: `min(k, 16)`. */
  readonly lowBits: number;
}

/** Raw bits used to send the escape payload's length `k`. */
export const ESCAPE_LENGTH_BITS = 6;
/** Largest valid escape length `k` (values need at most 33 bits after folding). */
export const MAX_ESCAPE_K = 32;

/** Number of bits in the binary form of a positive integer below 2^53. */
function bitLength(w: number): number {
  let k = 0;
  let x = w;
  while (x >= 0x100000000) {
    x = Math.floor(x / 0x100000000);
    k += 32;
  }
  return k + 32 - Math.clz32(x);
}

/**
 * Splits the relative value `rel` of an escaped value into its payload.
 *
 * @param rel - `value - offset`, outside `0 .. escape - 1`.
 * @param escape - The table's escape symbol (`length - 2`).
 */
export function splitEscape(rel: number, escape: number): EscapePayload {
  const u = rel < 0 ? -2 * rel - 1 : 2 * (rel - escape);
  const w = u + 1;
  const k = bitLength(w) - 1;
  const mantissa = w - 2 ** k;
  const lowBits = Math.min(k, 16);
  const highBits = k - lowBits;
  return { k, high: Math.floor(mantissa / 65536), highBits, low: mantissa % 65536, lowBits };
}

/**
 * Rebuilds a value from a decoded escape payload, refusing anything a valid encoder
 * could not have produced.
 *
 * @param k - Decoded length (already checked to be <= {@link MAX_ESCAPE_K}).
 * @param high - Decoded high chunk (`max(0, k - 16)` bits).
 * @param low - Decoded low chunk (`min(k, 16)` bits).
 * @param escape - The table's escape symbol.
 * @param offset - The table's offset.
 * @returns The int32 value.
 * @throws CorruptStreamError when the result is not an int32. (Folding never maps
 *   back into the support, so every payload within range is a value some encoder sends.)
 */
export function joinEscape(k: number, high: number, low: number, escape: number, offset: number): number {
  const w = 2 ** k + high * 65536 + low;
  const u = w - 1;
  const rel = u % 2 === 1 ? -(u + 1) / 2 : u / 2 + escape;
  const value = rel + offset;
  if (value < -0x80000000 || value > 0x7fffffff) {
    throw new CorruptStreamError(`escape payload decodes to ${value}, outside the int32 range: the stream is damaged`);
  }
  return value;
}

/**
 * Checks a decoded escape length.
 * @throws CorruptStreamError when `k` exceeds {@link MAX_ESCAPE_K}.
 */
export function checkEscapeLength(k: number): void {
  if (k > MAX_ESCAPE_K) {
    throw new CorruptStreamError(`escape length ${k} exceeds ${MAX_ESCAPE_K} bits: the stream is damaged`);
  }
}

/** Bits the escape payload of relative value `rel` takes (symbol not included). */
export function escapeCost(rel: number, escape: number): number {
  return ESCAPE_LENGTH_BITS + splitEscape(rel, escape).k;
}
