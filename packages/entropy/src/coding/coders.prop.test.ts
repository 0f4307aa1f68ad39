import { CorruptStreamError } from '@ncomp/core/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CdfTables } from './cdf-tables.js';
import type { EntropyCoder } from './coder.js';
import { pmfToQuantizedCdf } from './pmf-to-quantized-cdf.js';
import { rangeCoder } from './range-coder.js';
import { ransCoder } from './rans-coder.js';
import { laplaceTables, splitmix32 } from './test-helpers.js';

const coders: EntropyCoder[] = [rangeCoder, ransCoder];
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** A random table set: pmfs with zero-mass bins, random offsets, a random feasible precision. */
const tablesArb = fc
  .record({
    pmfs: fc.array(fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 40 }), {
      minLength: 1,
      maxLength: 5,
    }),
    offsetSeed: fc.array(fc.integer({ min: INT32_MIN, max: INT32_MAX }), { minLength: 5, maxLength: 5 }),
    extraPrecision: fc.integer({ min: 0, max: 16 }),
  })
  .map(({ pmfs, offsetSeed, extraPrecision }) => {
    // The last entry is the escape mass; keep at least one positive mass.
    const fixed = pmfs.map((p) => (p.some((m) => m > 0) ? p : [...p.slice(1), 1]));
    const need = Math.max(...fixed.map((p) => Math.ceil(Math.log2(p.length)))) || 1;
    const precision = Math.min(16, Math.max(1, need + extraPrecision));
    const offsets = fixed.map((_, i) => offsetSeed[i]! >> (i * 6));
    return CdfTables.fromPmfs(fixed, offsets, precision);
  });

/** Values near the tables' supports, far outside of both signs, and the int32 extremes. */
function valuesArb(tables: CdfTables, maxLength: number) {
  const item = fc
    .integer({ min: 0, max: tables.count - 1 })
    .chain((index) =>
      fc
        .oneof(
          { weight: 6, arbitrary: fc.integer({ min: -3, max: tables.lengths[index]! + 1 }).map((r) => r + tables.offsets[index]!) },
          { weight: 2, arbitrary: fc.integer({ min: INT32_MIN, max: INT32_MAX }) },
          { weight: 1, arbitrary: fc.constantFrom(INT32_MIN, INT32_MAX, INT32_MIN + 1, INT32_MAX - 1, 0, -1) },
        )
        .map((v) => [Math.max(INT32_MIN, Math.min(INT32_MAX, v)), index] as const),
    );
  return fc.array(item, { minLength: 0, maxLength }).map((pairs) => ({
    values: Int32Array.from(pairs.map((p) => p[0])),
    indexes: Int32Array.from(pairs.map((p) => p[1])),
  }));
}

const caseArb = (maxLength: number) => tablesArb.chain((tables) => valuesArb(tables, maxLength).map((data) => ({ tables, ...data })));

describe.each(coders)('$name coder properties', (coder) => {
  it('round-trips random tables, precisions and values (bulk)', () => {
    fc.assert(
      fc.property(caseArb(300), ({ tables, values, indexes }) => {
        const bytes = coder.encode(values, indexes, tables);
        expect(coder.decode(bytes, indexes, tables)).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips incrementally, and matches the bulk stream', () => {
    fc.assert(
      fc.property(caseArb(100), ({ tables, values, indexes }) => {
        const enc = coder.createEncoder(tables);
        for (let i = 0; i < values.length; i++) enc.encode(values[i]!, indexes[i]!);
        const bytes = enc.finish();
        expect(bytes).toEqual(coder.encode(values, indexes, tables));
        const dec = coder.createDecoder(bytes, tables);
        const out = Array.from(indexes, (index) => dec.decode(index));
        dec.finish();
        expect(out).toEqual(Array.from(values));
      }),
      { numRuns: 150 },
    );
  });

  it('matches the bulk stream over several buffer chunks, with values past int8 and int16 and more than 256 tables', () => {
    // RansEncoder buffers 2^16 values a chunk, int8 values (wider in a side table), uint8 indexes up to 256 tables.
    for (const count of [5, 300]) {
      const tables = laplaceTables(count, 12);
      const rand = splitmix32(count);
      const n = 2 * 65536 + 7;
      const values = new Int32Array(n);
      const indexes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const r = rand();
        values[i] = r % 97 === 0 ? r | 0 : r % 89 === 0 ? -0x8000 : r % 83 === 0 ? -0x80 : r % 79 === 0 ? 0x80 + (r % 300) : (r % 41) - 20;
        indexes[i] = rand() % count;
      }
      const enc = coder.createEncoder(tables);
      for (let i = 0; i < n; i++) enc.encode(values[i]!, indexes[i]!);
      const bytes = enc.finish();
      expect(bytes).toEqual(coder.encode(values, indexes, tables));
      expect(coder.decode(bytes, indexes, tables)).toEqual(values);
    }
  });

  it('never hangs or throws anything but CorruptStreamError on random bytes', () => {
    fc.assert(
      fc.property(tablesArb, fc.uint8Array({ maxLength: 64 }), fc.nat(200), (tables, bytes, n) => {
        const indexes = Int32Array.from({ length: n }, (_, i) => i % tables.count);
        try {
          const out = coder.decode(bytes, indexes, tables);
          expect(out.length).toBe(n);
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptStreamError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reports truncated and bit-flipped streams with CorruptStreamError or returns values', () => {
    fc.assert(
      fc.property(caseArb(200), fc.nat(), fc.nat(), ({ tables, values, indexes }, cut, flip) => {
        const bytes = coder.encode(values, indexes, tables);
        const variants = [bytes.subarray(0, bytes.length === 0 ? 0 : cut % bytes.length)];
        if (bytes.length > 0) {
          const flipped = bytes.slice();
          flipped[flip % bytes.length]! ^= 1 << (flip % 8);
          variants.push(flipped);
        }
        for (const damaged of variants) {
          try {
            expect(coder.decode(damaged, indexes, tables).length).toBe(values.length);
          } catch (e) {
            expect(e).toBeInstanceOf(CorruptStreamError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses streams with bytes left over or values left undecoded', () => {
    fc.assert(
      fc.property(caseArb(100), fc.uint8Array({ minLength: 1, maxLength: 8 }), ({ tables, values, indexes }, extra) => {
        const bytes = coder.encode(values, indexes, tables);
        const longer = new Uint8Array(bytes.length + extra.length);
        longer.set(bytes);
        longer.set(extra, bytes.length);
        expect(() => coder.decode(longer, indexes, tables)).toThrow(CorruptStreamError);
        // Decoding one value fewer than was coded is noticed, unless the shorter sequence
        // has the very same stream (then no decoder could tell; containers store counts).
        if (values.length > 0) {
          const shorter = indexes.subarray(0, values.length - 1);
          const same = coder.encode(values.subarray(0, values.length - 1), shorter, tables);
          if (!bytesEqual(same, bytes)) {
            expect(() => coder.decode(bytes, shorter, tables)).toThrow(CorruptStreamError);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses decodes of 1..3 values fewer or more than were coded (the finish check binds the count)', () => {
    fc.assert(
      fc.property(caseArb(150), fc.integer({ min: 1, max: 3 }), fc.boolean(), ({ tables, values, indexes }, k, more) => {
        fc.pre(more || values.length >= k);
        const bytes = coder.encode(values, indexes, tables);
        const wrong = more ? Int32Array.from([...indexes, ...Array.from({ length: k }, (_, i) => i % tables.count)]) : indexes.subarray(0, values.length - k);
        // A different count that codes to the very same bytes cannot be told apart by any
        // decoder; the hashed range-coder ending makes that a 2^-24 event (rANS: 2^-32).
        const same = more ? false : bytesEqual(coder.encode(values.subarray(0, values.length - k), wrong, tables), bytes);
        if (!same) expect(() => coder.decode(bytes, wrong, tables)).toThrow(CorruptStreamError);
      }),
      { numRuns: 300 },
    );
  });

  it('codes empty input to a stream that decodes to nothing', () => {
    const tables = CdfTables.fromPmfs([[1, 1, 1]], [0], 8);
    const bytes = coder.encode(new Int32Array(0), new Int32Array(0), tables);
    expect(bytes.length).toBeLessThanOrEqual(8);
    expect(coder.decode(bytes, new Int32Array(0), tables)).toEqual(new Int32Array(0));
  });

  it('codes single symbols, including escapes at the int32 extremes with extreme offsets', () => {
    for (const offset of [INT32_MIN, -1, 0, 7, INT32_MAX]) {
      const tables = CdfTables.fromPmfs([[0.2, 0.5, 0.3, 1e-4]], [offset], 16);
      for (const v of [INT32_MIN, INT32_MIN + 1, -1, 0, 1, 2, 3, offset, INT32_MAX - 1, INT32_MAX]) {
        const values = Int32Array.of(v);
        const indexes = Int32Array.of(0);
        expect(coder.decode(coder.encode(values, indexes, tables), indexes, tables)).toEqual(values);
      }
    }
  });

  it('codes a table that has only the escape symbol', () => {
    const tables = CdfTables.fromRows([[0, 4]], [0], 2);
    const values = Int32Array.of(0, 5, -5, INT32_MAX, INT32_MIN);
    const indexes = new Int32Array(values.length);
    expect(coder.decode(coder.encode(values, indexes, tables), indexes, tables)).toEqual(values);
  });

  it('stays within 1 % + 8 bytes of the information content on long inputs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 16 }), fc.integer({ min: 1, max: 2 ** 31 }), (precision, seed) => {
        const pmfs = [0.4, 1.5, 6, 30].map((s) => {
          const p: number[] = [];
          for (let k = -40; k <= 40; k++) p.push(Math.exp(-Math.abs(k) / s));
          p.push(1e-4);
          return p;
        });
        const tables = CdfTables.fromPmfs(pmfs, [-40, -40, -40, -40], precision);
        const n = 100_000;
        const values = new Int32Array(n);
        const indexes = new Int32Array(n);
        let state = seed >>> 0;
        let ideal = 0;
        for (let i = 0; i < n; i++) {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          const index = state & 3;
          const u = ((state >>> 2) / 2 ** 30) * 2 ** precision;
          const row = tables.cdf.subarray(tables.starts[index]!, tables.starts[index]! + tables.lengths[index]!);
          let s = 0;
          while (row[s + 1]! <= u) s++;
          values[i] = s - 40;
          indexes[i] = index;
          ideal += tables.bitsOf(values[i]!, index);
        }
        const bytes = coder.encode(values, indexes, tables);
        expect(bytes.length).toBeLessThanOrEqual((ideal / 8) * 1.01 + 8);
        expect(coder.decode(bytes, indexes, tables)).toEqual(values);
      }),
      { numRuns: 6 },
    );
  });
});

describe('pmfToQuantizedCdf', () => {
  it('keeps every frequency >= 1, sums to 2^precision and is strictly increasing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 16 }),
        (pmf, precision) => {
          fc.pre(pmf.some((p) => p > 0) && pmf.length <= 2 ** precision);
          const cdf = pmfToQuantizedCdf(pmf, precision);
          expect(cdf.length).toBe(pmf.length + 1);
          expect(cdf[0]).toBe(0);
          expect(cdf[pmf.length]).toBe(2 ** precision);
          for (let i = 0; i < pmf.length; i++) expect(cdf[i + 1]! - cdf[i]!).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe.each(coders)('$name coder on real tables', (coder) => {
  it('round-trips with the same stream from a CdfTables built twice', () => {
    const pmf = [0.05, 0.2, 0.5, 0.2, 0.05, 0.001];
    const a = CdfTables.fromPmfs([pmf], [-2], 12);
    const b = CdfTables.fromPmfs([pmf], [-2], 12);
    const values = Int32Array.of(-2, -1, 0, 1, 2, 3, -3, 100);
    const indexes = new Int32Array(values.length);
    const bytes = coder.encode(values, indexes, a);
    expect(coder.encode(values, indexes, b)).toEqual(bytes);
    expect(coder.decode(bytes, indexes, b)).toEqual(values);
  });
});
