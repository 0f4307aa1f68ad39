import { afterAll, describe, expect, it } from 'vitest';
import { gemmThreads, killGemmWorkersForTest, startGemmThreads, stopGemmThreads } from './gemm-threads.js';
import { PANEL_ROWS, gemm, gemmReference, packColumns } from './gemm.js';

/** Seeded floats of mixed magnitudes. */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 ** (((s >>> 24) % 10) - 5);
  }
  return out;
}

const bits = (f: Float32Array): number[] => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));

describe('deterministic GEMM on worker threads', () => {
  afterAll(() => stopGemmThreads());

  it('gives the single-thread bits for 2 and 3 threads, large products and small ones', async () => {
    await stopGemmThreads();
    // [panels, k, n]: big enough to be split (> 2^20 multiply-adds), uneven panel counts, and one left to one thread.
    const shapes: [number, number, number][] = [
      [37, 200, 40],
      [100, 97, 33],
      [4, 10, 8],
    ];
    const single = shapes.map(([panels, k, n], i) => {
      const ap = values(panels * k * PANEL_ROWS, i + 1);
      const { packed, np } = packColumns(Float64Array.from(values(k * n, i + 50)), k, n);
      return { ap, packed, np, panels, k, c: gemm(ap, packed, panels, k, np) };
    });
    expect(gemmThreads()).toBe(1);
    for (const count of [2, 3]) {
      await stopGemmThreads();
      expect(await startGemmThreads(count)).toBe(count);
      expect(gemmThreads()).toBe(count);
      for (const s of single) {
        const c = gemm(s.ap, s.packed, s.panels, s.k, s.np);
        expect(bits(c)).toEqual(bits(s.c));
      }
    }
    // And the single-thread kernel is the JavaScript reference (checked fully in gemm.test.ts).
    const s = single[1]!;
    expect(bits(gemmReference(s.ap, s.packed, s.panels, s.k, s.np))).toEqual(bits(s.c));
  });

  it('a product whose workers died completes on the caller with the same bits, and the pool falls back to one thread', async () => {
    await stopGemmThreads();
    const [panels, k, n] = [40, 180, 40];
    const ap = values(panels * k * PANEL_ROWS, 3);
    const { packed, np } = packColumns(Float64Array.from(values(k * n, 4)), k, n);
    const expected = bits(gemm(ap, packed, panels, k, np));
    expect(await startGemmThreads(3)).toBe(3);
    await killGemmWorkersForTest(100);
    expect(bits(gemm(ap, packed, panels, k, np))).toEqual(expected);
    expect(gemmThreads()).toBe(1);
    expect(bits(gemm(ap, packed, panels, k, np))).toEqual(expected);
  });

  it('refuses a count that is not a positive integer', () => {
    expect(() => startGemmThreads(0)).toThrow(/positive integer/);
    expect(() => startGemmThreads(1.5)).toThrow(/positive integer/);
  });
});
