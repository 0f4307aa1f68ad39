/**
 * bfloat16 (safetensors `BF16`) conversion: the upper 16 bits of an IEEE float32
 * (1 sign bit, 8 exponent bits, 7 mantissa bits).
 */

// One scratch float32 aliased as uint32 to read and write float bit patterns. Both views
// share the host byte order, so no endianness handling is needed here.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * Converts a number to the bits of the nearest bfloat16, rounding the float32 value to
 * nearest with ties to even. (A double input is first rounded to float32, as
 * `Float32Array` storage does; bfloat16 values come from float32 tensors in practice.)
 * Overflow rounds to ±Infinity, the sign of zero is kept, and every NaN becomes the
 * quiet NaN 0x7fc0.
 *
 * @param x - Any number.
 * @returns An integer in [0, 65535], the bfloat16's bits.
 */
export function float32ToBfloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7fc0;
  scratchF32[0] = x;
  const bits = scratchU32[0]!;
  // Add 0x7fff plus the lowest kept bit: rounds up above half, down below half, and to
  // the even neighbour at exactly half. A carry into the exponent is the correct result
  // (next binade, or Infinity from the largest finite values).
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/**
 * Converts bfloat16 bits to the number they represent (exactly).
 *
 * @param bits - The bfloat16's bits; only the low 16 bits are used.
 * @returns The value, including ±0, subnormals, ±Infinity and NaN.
 */
export function bfloat16BitsToFloat32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0]!;
}

/**
 * Decodes an array of bfloat16 bit patterns.
 *
 * @param bits - bfloat16 bit patterns (host byte order).
 * @returns A new `Float32Array` of the same length with the exact values.
 */
export function decodeBfloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i]! << 16;
  return out;
}

/**
 * Encodes numbers as bfloat16 bit patterns with {@link float32ToBfloat16Bits}.
 *
 * @param values - The values to encode.
 * @returns A new `Uint16Array` of the same length.
 */
export function encodeBfloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToBfloat16Bits(values[i]!);
  return out;
}
