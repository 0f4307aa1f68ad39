import { InvalidArgumentError, ShapeError } from '@ncomp/core/errors';
import { describe, expect, it } from 'vitest';
import { CdfTables } from './cdf-tables.js';
import { ESCAPE_LENGTH_BITS } from './escape.js';

describe('CdfTables validation', () => {
  it('accepts valid rows and stores them flat', () => {
    const t = CdfTables.fromRows(
      [
        [0, 3, 8],
        [0, 1, 2, 8],
      ],
      [5, -2],
      3,
    );
    expect(t.count).toBe(2);
    expect(Array.from(t.cdf)).toEqual([0, 3, 8, 0, 1, 2, 8]);
    expect(Array.from(t.starts)).toEqual([0, 3]);
    expect(Array.from(t.lengths)).toEqual([3, 4]);
    expect(Array.from(t.offsets)).toEqual([5, -2]);
  });

  it.each([
    ['not starting at 0', [[1, 4, 8]], /must start at 0, found 1/],
    ['not ending at 2^precision', [[0, 4, 7]], /must end at 2\^3 = 8, found 7/],
    ['not increasing', [[0, 5, 4, 8]], /strictly increasing.*entry 2 is 4 after 5/],
    ['a zero-frequency symbol', [[0, 4, 4, 8]], /strictly increasing/],
    ['too short', [[8]], /needs 2\.\.9 entries, found 1/],
  ])('refuses a row %s', (_, rows, message) => {
    expect(() => CdfTables.fromRows(rows, [0], 3)).toThrow(InvalidArgumentError);
    expect(() => CdfTables.fromRows(rows, [0], 3)).toThrow(message);
  });

  it('refuses bad precisions, offsets and shapes', () => {
    expect(() => CdfTables.fromRows([[0, 1]], [0], 0)).toThrow(/precision must be an integer in 1\.\.16, found 0/);
    expect(() => CdfTables.fromRows([[0, 131072]], [0], 17)).toThrow(InvalidArgumentError);
    expect(() => CdfTables.fromRows([[0, 2]], [2 ** 31], 1)).toThrow(/offsets\[0\] must be an int32/);
    expect(() => CdfTables.fromRows([[0, 2]], [0.5], 1)).toThrow(InvalidArgumentError);
    expect(() => CdfTables.fromRows([[0, 2]], [0, 1], 1)).toThrow(ShapeError);
    expect(() => CdfTables.fromPadded([0, 2, 0], [2, 2], [0, 0], 1)).toThrow(ShapeError);
    expect(() => CdfTables.fromPadded([0, 2, 0, 0, 1, 2], [2, 4], [0, 0], 1, 3)).toThrow(/lengths\[1\] must be an integer in 2\.\.3/);
  });

  it('reads the padded TFC / CompressAI layout', () => {
    const t = CdfTables.fromPadded([0, 1, 4, 0, 0, 2, 3, 4], [3, 4], [0, -1], 2, 4);
    expect(Array.from(t.cdf)).toEqual([0, 1, 4, 0, 2, 3, 4]);
  });

  it('computes information content under the integer frequencies, escapes included', () => {
    const t = CdfTables.fromRows([[0, 16, 24, 32]], [10], 5);
    expect(t.bitsOf(10, 0)).toBeCloseTo(1, 12); // 16/32
    expect(t.bitsOf(11, 0)).toBeCloseTo(2, 12); // 8/32
    // Escape symbol (8/32 = 2 bits) + 6 length bits + k mantissa bits; value 9: r = -1, u = 1, w = 2, k = 1.
    expect(t.bitsOf(9, 0)).toBeCloseTo(2 + ESCAPE_LENGTH_BITS + 1, 12);
    // Value 12: r = 2 = escape, u = 0, w = 1, k = 0.
    expect(t.bitsOf(12, 0)).toBeCloseTo(2 + ESCAPE_LENGTH_BITS, 12);
  });

  it('builds a lookup that maps every target to its symbol', () => {
    const rows = [
      [0, 1, 2, 65535, 65536],
      [0, 30000, 30001, 65536],
    ];
    const t = CdfTables.fromRows(rows, [0, 0], 16);
    const { bits, shift, buckets } = t.lookup();
    expect(bits).toBe(12);
    rows.forEach((row, i) => {
      for (let target = 0; target < 65536; target += 7) {
        let s = buckets[(i << bits) + (target >>> shift)]!;
        expect(row[s]!).toBeLessThanOrEqual(target);
        while (row[s + 1]! <= target) s++;
        expect(s - buckets[(i << bits) + (target >>> shift)]!).toBeLessThanOrEqual(1 << shift);
      }
    });
  });
});
