import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GEMM_SHARED_WASM_BASE64, GEMM_WASM_BASE64 } from './gemm-wasm.js';
import { BLOCK_COLUMNS, PANEL_ROWS, gemm, gemmReference, hasWasmGemm, packColumns } from './gemm.js';

/** A seeded stream of floats with a wide spread of magnitudes (so float32 rounding matters). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32 - 0.5;
    out[i] = u * 2 ** (((s >>> 24) % 12) - 6);
  }
  return out;
}

describe('deterministic float32 GEMM', () => {
  it('the WebAssembly SIMD kernel runs here and gives exactly the JavaScript reference bits', () => {
    expect(hasWasmGemm()).toBe(true);
    for (const [panels, k, n, seed] of [
      [1, 1, 1, 1],
      [3, 17, 13, 2],
      [7, 200, 40, 3],
      [20, 864, 24, 4],
    ] as const) {
      const ap = values(panels * k * PANEL_ROWS, seed);
      const { packed, np } = packColumns(Float64Array.from(values(k * n, seed + 9)), k, n);
      expect(np % BLOCK_COLUMNS).toBe(0);
      const fast = gemm(ap, packed, panels, k, np);
      const ref = gemmReference(ap, packed, panels, k, np);
      expect(fast.length).toBe(ref.length);
      // Bit equality, NaN-free inputs: compare as integers.
      expect(Array.from(new Uint32Array(fast.buffer))).toEqual(Array.from(new Uint32Array(ref.buffer)));
    }
  });

  it('is a sequential float32 sum: agrees with a float64 product within K float32 roundings', () => {
    const k = 300;
    const ap = values(k * PANEL_ROWS, 7);
    const b = values(k * 8, 8);
    const { packed, np } = packColumns(Float64Array.from(b), k, 8);
    const c = gemm(ap, packed, 1, k, np);
    for (let r = 0; r < PANEL_ROWS; r++) {
      for (let j = 0; j < 8; j++) {
        let exact = 0;
        let mag = 0;
        for (let kk = 0; kk < k; kk++) {
          exact += ap[kk * PANEL_ROWS + r]! * b[kk * 8 + j]!;
          mag += Math.abs(ap[kk * PANEL_ROWS + r]! * b[kk * 8 + j]!);
        }
        expect(Math.abs(c[r * np + j]! - exact)).toBeLessThanOrEqual(k * 2 ** -23 * mag);
      }
    }
  });

  it('the committed binary is the assembled gemm.wat (scripts/gen-gemm-wasm.mjs)', async () => {
    const script = new URL('../../../../../scripts/gen-gemm-wasm.mjs', import.meta.url);
    const { gemmWat, gemmBinary } = (await import(script.href)) as {
      gemmWat: () => string;
      gemmBinary: (o?: { shared: boolean }) => Promise<Uint8Array>;
    };
    expect(readFileSync(new URL('./gemm.wat', import.meta.url), 'utf8')).toBe(gemmWat());
    expect(Buffer.from(await gemmBinary()).toString('base64')).toBe(GEMM_WASM_BASE64);
    expect(Buffer.from(await gemmBinary({ shared: true })).toString('base64')).toBe(GEMM_SHARED_WASM_BASE64);
  });
});
