import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32,
  decodeBfloat16,
  decodeFloat16,
  encodeBfloat16,
  encodeFloat16,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from './index.js';

/**
 * Checks that `bits` encodes the representable value nearest to `x`, ties to the even
 * bit pattern, by comparing with both neighbouring patterns of the same sign.
 * Differences are exact in double precision here (Sterbenz / zero cases).
 */
function expectNearest(x: number, bits: number, decode: (b: number) => number, signBit: number, maxMagnitude: number) {
  const negative = x < 0 || Object.is(x, -0);
  expect(bits & signBit ? 1 : 0).toBe(negative ? 1 : 0);
  const a = Math.abs(x);
  const h = bits & (signBit - 1);
  const v = decode(h);
  if (v === Infinity) {
    // Overflow is right only when the largest finite value is not nearer (ties go to
    // infinity's even pattern).
    expect(a).toBeGreaterThanOrEqual(maxMagnitude);
    return;
  }
  const err = Math.abs(v - a);
  const neighbours = [h + 1, ...(h > 0 ? [h - 1] : [])].map(decode);
  for (const n of neighbours) {
    const nErr = Math.abs(n - a);
    expect(err).toBeLessThanOrEqual(nErr);
    if (err === nErr) expect(h & 1).toBe(0);
  }
}

describe('float16 (F16) conversion', () => {
  it('encodes closed-form values to their known bit patterns', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite half
      [65519.99, 0x7bff], // below the overflow midpoint
      [65520, 0x7c00], // exact midpoint between 65504 and 2^16: ties to even = Infinity
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [2 ** -25, 0x0000], // half the smallest subnormal: tie to even (zero)
      [1.5 * 2 ** -25, 0x0001], // above the midpoint: rounds up
      [3 * 2 ** -25, 0x0002], // 1.5 steps: tie to even (2)
      [-(2 ** -26), 0x8000], // underflow keeps the sign
      [1 + 2 ** -11, 0x3c00], // tie between 1 and 1 + 2^-10: even mantissa (1)
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02: even (0x3c02)
      [2047.5 * 2 ** -10, 0x4000], // rounding carries into the next binade (2.0)
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [1e10, 0x7c00],
      [NaN, 0x7e00],
    ];
    for (const [x, bits] of cases) expect(float32ToFloat16Bits(x), `encode ${x}`).toBe(bits);
  });

  it('decodes closed-form bit patterns to their known values', () => {
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0x3800)).toBe(0.5);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0xfbff)).toBe(-65504);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(float16BitsToFloat32(0x0400)).toBe(2 ** -14);
    expect(float16BitsToFloat32(0x7c00)).toBe(Infinity);
    expect(float16BitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
    expect(float16BitsToFloat32(0x7c01)).toBeNaN();
    expect(float16BitsToFloat32(0xffff)).toBeNaN();
  });

  it('round-trips every non-NaN bit pattern exactly (exhaustive)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const decoded = decodeFloat16(all);
    const encoded = encodeFloat16(decoded);
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN) expect(decoded[h]).toBeNaN();
      else if (encoded[h] !== h) expect(encoded[h], `pattern 0x${h.toString(16)}`).toBe(h);
      if (!isNaN && decoded[h] !== float16BitsToFloat32(h)) expect(decoded[h]).toBe(float16BitsToFloat32(h));
    }
  });

  it('rounds every float32 to the nearest half, ties to even', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        expectNearest(x, float32ToFloat16Bits(x), float16BitsToFloat32, 0x8000, 65520);
      }),
      { numRuns: 5000 },
    );
  });

  it('rounds small float32 values (subnormal range) to the nearest half', () => {
    fc.assert(
      fc.property(fc.float({ min: -(2 ** -13), max: 2 ** -13, noNaN: true }), (x) => {
        expectNearest(x, float32ToFloat16Bits(x), float16BitsToFloat32, 0x8000, 65520);
      }),
      { numRuns: 3000 },
    );
  });

  it('rounds doubles once (not via float32) to the nearest half', () => {
    fc.assert(
      fc.property(fc.double({ min: -70000, max: 70000, noNaN: true }), (x) => {
        expectNearest(x, float32ToFloat16Bits(x), float16BitsToFloat32, 0x8000, 65520);
      }),
      { numRuns: 3000 },
    );
  });

  it('rounds exact midpoints between neighbouring halves to the even pattern', () => {
    // h in [0, 0x7bfe]: both h and h + 1 are finite; their midpoint fits in a float32.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7bfe }), fc.boolean(), (h, negative) => {
        const mid = (float16BitsToFloat32(h) + float16BitsToFloat32(h + 1)) / 2;
        const even = h % 2 === 0 ? h : h + 1;
        expect(float32ToFloat16Bits(negative ? -mid : mid)).toBe(even | (negative ? 0x8000 : 0));
        expect(float32ToFloat16Bits(Math.fround(mid))).toBe(even);
      }),
      { numRuns: 3000 },
    );
  });

  it('array encoding agrees with the scalar function', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 50 }), (values) => {
        const bits = encodeFloat16(values);
        expect(bits.length).toBe(values.length);
        values.forEach((v, i) => expect(bits[i]).toBe(float32ToFloat16Bits(v)));
      }),
    );
  });
});

describe('bfloat16 (BF16) conversion', () => {
  it('encodes closed-form values to their known bit patterns', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3f80],
      [-2, 0xc000],
      [1 + 2 ** -8, 0x3f80], // tie between 1 and 1 + 2^-7: even (1)
      [1 + 3 * 2 ** -8, 0x3f82], // tie: even (0x3f82)
      [1 + 2 ** -8 + 2 ** -20, 0x3f81], // just above the midpoint
      [Infinity, 0x7f80],
      [-Infinity, 0xff80],
      [3.4028234663852886e38, 0x7f80], // largest float32 rounds up to infinity
      [2 ** -133, 0x0001], // a bfloat16 subnormal
      [NaN, 0x7fc0],
    ];
    for (const [x, bits] of cases) expect(float32ToBfloat16Bits(x), `encode ${x}`).toBe(bits);
  });

  it('round-trips every non-NaN bit pattern exactly (exhaustive)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const decoded = decodeBfloat16(all);
    const encoded = encodeBfloat16(decoded);
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
      if (isNaN) expect(decoded[h]).toBeNaN();
      else if (encoded[h] !== h) expect(encoded[h], `pattern 0x${h.toString(16)}`).toBe(h);
      if (!isNaN && decoded[h] !== bfloat16BitsToFloat32(h)) expect(decoded[h]).toBe(bfloat16BitsToFloat32(h));
    }
  });

  it('rounds exact midpoints between neighbouring bfloat16 values to the even pattern', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7f7e }), fc.boolean(), (h, negative) => {
        const mid = (bfloat16BitsToFloat32(h) + bfloat16BitsToFloat32(h + 1)) / 2;
        const even = h % 2 === 0 ? h : h + 1;
        expect(Math.fround(mid)).toBe(mid);
        expect(float32ToBfloat16Bits(negative ? -mid : mid)).toBe(even | (negative ? 0x8000 : 0));
      }),
      { numRuns: 3000 },
    );
  });

  it('rounds every float32 to the nearest bfloat16, ties to even', () => {
    // The overflow midpoint is (2 - 2^-8) * 2^127, between the largest bfloat16 and 2^128.
    const overflow = (2 - 2 ** -8) * 2 ** 127;
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        expectNearest(x, float32ToBfloat16Bits(x), bfloat16BitsToFloat32, 0x8000, overflow);
      }),
      { numRuns: 5000 },
    );
  });
});
