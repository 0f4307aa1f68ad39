/**
 * IEEE 754 binary16 ("half", safetensors `F16`) conversion to and from JavaScript numbers.
 *
 * Layout: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. Largest finite value
 * 65504, smallest normal 2^-14, smallest subnormal 2^-24.
 */

/** 2^-24, the value of the least significant bit of a subnormal half. */
const SUBNORMAL_STEP = 2 ** -24;
/** 2^-14, the smallest positive normal half. */
const MIN_NORMAL = 2 ** -14;
/**
 * Magnitudes at or above this round to infinity: 65520 lies exactly halfway between the
 * largest half (65504, odd mantissa 0x3ff) and 2^16, and ties go to the even neighbour,
 * which is the overflow.
 */
const OVERFLOW_THRESHOLD = 65520;

/**
 * Rounds a non-negative number to the nearest integer, ties to even (IEEE default
 * rounding). `Math.round` rounds ties up, which would bias every conversion.
 */
function roundHalfToEven(v: number): number {
  const f = Math.floor(v);
  // Exact: v and f are doubles below 2^53 of the same binade or adjacent.
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Converts a number to the bit pattern of the nearest binary16 value, rounding to
 * nearest with ties to even. The number is rounded once from its exact (double) value,
 * so a float32 input gives the correctly rounded half.
 *
 * Overflow (|x| ≥ 65520) gives ±Infinity; magnitudes below 2^-25 give ±0; values
 * between are rounded to subnormals. The sign of zero is kept. Every NaN becomes the
 * canonical quiet NaN 0x7e00 (payload and sign are not preserved).
 *
 * @param x - Any number.
 * @returns An integer in [0, 65535], the half's bits.
 */
export function float32ToFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= OVERFLOW_THRESHOLD) return sign | 0x7c00;
  if (a < MIN_NORMAL) {
    // Subnormal range: the value is m * 2^-24. Scaling by a power of two is exact, so
    // this is a single rounding. m may round up to 1024, whose bits 0x0400 are exactly
    // the smallest normal, so no special case is needed.
    return sign | roundHalfToEven(a / SUBNORMAL_STEP);
  }
  // Normal range: find e with 2^e <= a < 2^(e+1). Math.log2 may be off by one ulp near
  // powers of two, so correct it against exact powers of two.
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  // Scale the significand to [1024, 2048): 10 fraction bits above the binary point.
  let m = roundHalfToEven(a * 2 ** (10 - e));
  if (m === 2048) {
    // Rounding carried into the next binade (e.g. 2047.5 -> 2048).
    m = 1024;
    e += 1;
  }
  // e + 15 <= 30 here because a < 65520 keeps m <= 2047 when e = 15.
  return sign | ((e + 15) << 10) | (m - 1024);
}

/**
 * Converts a binary16 bit pattern to the number it represents (exactly; every half is
 * representable as a float32 and a double).
 *
 * @param bits - The half's bits; only the low 16 bits are used.
 * @returns The value, including ±0, subnormals, ±Infinity and NaN.
 */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * SUBNORMAL_STEP;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/**
 * Lookup table of all 65536 half values, built on first use: decoding a large F16
 * tensor then costs one indexed load per element.
 */
let decodeTable: Float32Array | undefined;

function getDecodeTable(): Float32Array {
  if (decodeTable === undefined) {
    const table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = float16BitsToFloat32(h);
    decodeTable = table;
  }
  return decodeTable;
}

/**
 * Decodes an array of binary16 bit patterns.
 *
 * @param bits - Half bit patterns (host byte order, as any `Uint16Array`).
 * @returns A new `Float32Array` of the same length with the exact values.
 */
export function decodeFloat16(bits: Uint16Array): Float32Array {
  const table = getDecodeTable();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return out;
}

/**
 * Encodes numbers as binary16 bit patterns with {@link float32ToFloat16Bits}
 * (round to nearest, ties to even).
 *
 * @param values - The values to encode.
 * @returns A new `Uint16Array` of the same length.
 */
export function encodeFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]!);
  return out;
}
