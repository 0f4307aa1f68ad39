import { describe, expect, it } from 'vitest';
import { digestInts } from './latent-check.js';

/** FNV-1a over the bytes of each 32-bit value, lowest first, as first written (the digests in committed files). */
function fnv1a(values: ArrayLike<number>, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i]! | 0;
    for (let b = 0; b < 4; b++) {
      h = Math.imul(h ^ (v & 0xff), 0x01000193) >>> 0;
      v >>>= 8;
    }
  }
  return h >>> 0;
}

describe('digestInts', () => {
  it('is FNV-1a over the bytes of each value: known digests, and the byte-wise definition on random values and chained seeds', () => {
    expect(digestInts([])).toBe(0x811c9dc5);
    // FNV-1a of the four bytes 00 00 00 00.
    expect(digestInts([0])).toBe(0x4b95f515);
    let s = 12345;
    const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    let seed = 0x811c9dc5;
    for (let n = 0; n < 40; n++) {
      const values = Int32Array.from({ length: n * 7 }, () => next() - 2 ** 31);
      expect(digestInts(values, seed)).toBe(fnv1a(values, seed));
      expect(
        digestInts(
          Array.from(values, (v) => v % 300),
          seed,
        ),
      ).toBe(
        fnv1a(
          Array.from(values, (v) => v % 300),
          seed,
        ),
      );
      seed = digestInts(values, seed);
      expect(seed).toBeGreaterThanOrEqual(0);
    }
  });
});
