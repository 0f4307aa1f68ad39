import { InvalidArgumentError } from '@ncomp/core/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pmfToQuantizedCdf } from './pmf-to-quantized-cdf.js';

/** Expected code length, in bits, of a pmf under integer frequencies out of 2^precision. */
function cost(pmf: number[], cdf: Int32Array, precision: number): number {
  const sum = pmf.reduce((a, b) => a + b, 0);
  return pmf.reduce((acc, p, i) => acc + (p / sum) * (precision - Math.log2(cdf[i + 1]! - cdf[i]!)), 0);
}

describe('pmfToQuantizedCdf', () => {
  it('gives exact tables where rounding is exact', () => {
    expect(Array.from(pmfToQuantizedCdf([0.25, 0.25, 0.5], 4))).toEqual([0, 4, 8, 16]);
    expect(Array.from(pmfToQuantizedCdf([1, 1], 1))).toEqual([0, 1, 2]);
    expect(Array.from(pmfToQuantizedCdf([3, 1], 2))).toEqual([0, 3, 4]); // unnormalized input
  });

  it('keeps zero-mass symbols codable with frequency 1, taken from the largest mass', () => {
    expect(Array.from(pmfToQuantizedCdf([0, 1, 0], 4))).toEqual([0, 1, 15, 16]);
  });

  it('adds missing units where they save the most bits', () => {
    // 0.3 * 8 = 2.4 -> 2, 0.3 * 8 -> 2, 0.4 * 8 = 3.2 -> 3: one unit short; the greedy
    // gain p * log2((f + 1) / f) is largest for the 0.3 symbols (0.3 * log2(3/2) > 0.4 * log2(4/3)).
    expect(Array.from(pmfToQuantizedCdf([0.3, 0.3, 0.4], 3))).toEqual([0, 3, 5, 8]);
  });

  it('is never worse than a brute-force search over small tables', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 4 }), (pmf) => {
        fc.pre(pmf.some((p) => p > 1e-9));
        const precision = 4;
        const got = cost(pmf, pmfToQuantizedCdf(pmf, precision), precision);
        // Enumerate all compositions of 16 into pmf.length parts >= 1.
        let best = Infinity;
        const walk = (left: number, parts: number[]): void => {
          if (parts.length === pmf.length - 1) {
            if (left < 1) return;
            const freqs = [...parts, left];
            const cdf = new Int32Array(freqs.length + 1);
            freqs.forEach((f, i) => (cdf[i + 1] = cdf[i]! + f));
            best = Math.min(best, cost(pmf, cdf, precision));
            return;
          }
          for (let f = 1; f < left; f++) walk(left - f, [...parts, f]);
        };
        walk(16, []);
        // Greedy rounding + adjustment is optimal or within a rounding step of it.
        expect(got).toBeLessThanOrEqual(best + 0.05);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    [[0.5, Number.NaN], /pmf\[1\] must be finite and >= 0, found NaN/],
    [[0.5, Number.POSITIVE_INFINITY], /pmf\[1\] must be finite/],
    [[-0.1, 1], /pmf\[0\] must be finite and >= 0, found -0.1/],
    [[0, 0], /positive total mass/],
    [[], /at least one entry/],
    [[1, 1, 1], /at most 2 symbols/],
  ])('refuses %j', (pmf, message) => {
    const precision = pmf.length === 3 ? 1 : 8;
    expect(() => pmfToQuantizedCdf(pmf, precision)).toThrow(InvalidArgumentError);
    expect(() => pmfToQuantizedCdf(pmf, precision)).toThrow(message);
  });
});
