import { CorruptStreamError } from '@ncomp/core/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEscapeLength, joinEscape, MAX_ESCAPE_K, splitEscape } from './escape.js';

describe('escape payload', () => {
  it('folds as documented: negatives to odd, values past the support to even', () => {
    expect(splitEscape(-1, 5)).toEqual({ k: 1, high: 0, highBits: 0, low: 0, lowBits: 1 }); // u = 1, w = 2
    expect(splitEscape(5, 5)).toEqual({ k: 0, high: 0, highBits: 0, low: 0, lowBits: 0 }); // u = 0, w = 1
    expect(splitEscape(6, 5)).toEqual({ k: 1, high: 0, highBits: 0, low: 1, lowBits: 1 }); // u = 2, w = 3
  });

  it('round-trips every relative value an int32 value and offset can give', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.integer({ min: 0, max: 65535 }),
        (value, offset, escape) => {
          const rel = value - offset;
          fc.pre(rel < 0 || rel >= escape);
          const p = splitEscape(rel, escape);
          expect(p.k).toBeLessThanOrEqual(MAX_ESCAPE_K);
          expect(p.highBits + p.lowBits).toBe(p.k);
          expect(p.high).toBeLessThan(2 ** p.highBits);
          expect(p.low).toBeLessThan(2 ** p.lowBits);
          expect(joinEscape(p.k, p.high, p.low, escape, offset)).toBe(value);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses payloads that a valid encoder cannot produce', () => {
    expect(() => checkEscapeLength(MAX_ESCAPE_K + 1)).toThrow(CorruptStreamError);
    expect(() => joinEscape(32, 65535, 65535, 0, 0x7fffffff)).toThrow(/outside the int32 range/);
  });
});
