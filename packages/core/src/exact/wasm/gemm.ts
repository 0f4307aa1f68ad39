import { BLOCK_COLUMNS, GEMM_WASM_BASE64, PANEL_ROWS } from './gemm-wasm.js';

export { BLOCK_COLUMNS, PANEL_ROWS };

/**
 * The float32 matrix product every deterministic convolution and dense layer reduces to:
 * C[i][j] = Σ_k A[i][k] · B[k][j], summed in the order k = 0 .. K-1 from +0, each product
 * and each partial sum rounded to float32. A WebAssembly SIMD kernel computes it (four
 * output columns per instruction, no fused multiply-add), and this JavaScript reference
 * gives the same bits where WebAssembly SIMD is missing. Inputs come packed: A in panels
 * of {@link PANEL_ROWS} rows (`Ap[panel][k][row]`), B in blocks of {@link BLOCK_COLUMNS}
 * columns (`Bp[block][k][column]`), zero-padded; C is `[panels · PANEL_ROWS][Np]`.
 */
export type Gemm = (ap: Float32Array, bp: Float32Array, panels: number, k: number, np: number) => Float32Array;

/** The JavaScript reference of {@link Gemm} (and its fallback). */
export const gemmReference: Gemm = (ap, bp, panels, k, np) => {
  const R = PANEL_ROWS;
  const B = BLOCK_COLUMNS;
  const c = new Float32Array(panels * R * np);
  const acc = new Float64Array(R * B);
  for (let p = 0; p < panels; p++) {
    for (let j = 0; j < np; j += B) {
      acc.fill(0);
      const aBase = p * k * R;
      const bBase = (j / B) * k * B;
      for (let kk = 0; kk < k; kk++) {
        for (let r = 0; r < R; r++) {
          const a = ap[aBase + kk * R + r]!;
          for (let col = 0; col < B; col++) acc[r * B + col] = Math.fround(acc[r * B + col]! + Math.fround(a * bp[bBase + kk * B + col]!));
        }
      }
      for (let r = 0; r < R; r++) for (let col = 0; col < B; col++) c[(p * R + r) * np + j + col] = acc[r * B + col]!;
    }
  }
  return c;
};

/** The parts of WebAssembly's linear memory used here. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The exports of gemm.wat: the product, the implicit-GEMM convolution (see conv-kernel.ts), the memory. */
export interface Kernel {
  readonly gemm: (a: number, b: number, c: number, panels: number, k: number, np: number) => void;
  readonly conv: (...args: ConvArgs) => void;
  readonly memory: WasmMemory;
}

/**
 * The arguments of gemm.wat's `conv`, in order: byte offsets of the input bases and of the
 * output rows (6 i32 each per panel), of packed B and of the bias; whether to add the bias;
 * panels; taps along rows and columns; channels; the byte steps between tap rows and tap
 * columns in the padded map; the padded column count of B.
 */
export type ConvArgs = [
  xi: number,
  oi: number,
  b: number,
  bias: number,
  hasBias: number,
  panels: number,
  ta: number,
  tb: number,
  ch: number,
  da: number,
  db: number,
  np: number,
];

/** The parts of the global `WebAssembly` object used here (absent in some environments). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: unknown };
}

let kernel: Kernel | null | undefined;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (with `=` padding) to bytes; no `atob` / `Buffer`, so it runs anywhere. */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 6) | BASE64.indexOf(clean[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

/** The WebAssembly kernel (its own memory, this thread), or null where WebAssembly SIMD is unavailable. */
export function wasmKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return (kernel = null);
  try {
    const module = new api.Module(decodeBase64(GEMM_WASM_BASE64));
    const exports = new api.Instance(module).exports as Kernel;
    kernel = { gemm: exports.gemm, conv: exports.conv, memory: exports.memory };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the WebAssembly SIMD kernel runs here (else the JavaScript reference does, with the same results). */
export function hasWasmGemm(): boolean {
  return wasmKernel() !== null;
}

/**
 * A {@link Gemm} on several threads, or `undefined` for a product it leaves to one thread
 * (see gemm-threads.ts).
 */
export type ParallelGemm = (ap: Float32Array, bp: Float32Array, panels: number, k: number, np: number) => Float32Array | undefined;

let parallel: ParallelGemm | undefined;

/** Installs (or, with `undefined`, removes) the threaded product {@link gemm} tries first. */
export function useParallelGemm(p: ParallelGemm | undefined): void {
  parallel = p;
}

/**
 * {@link Gemm} on the WebAssembly kernel where it runs (on several threads once
 * `startGemmThreads` has started them), else {@link gemmReference}.
 */
export const gemm: Gemm = (ap, bp, panels, k, np) => {
  const threaded = parallel?.(ap, bp, panels, k, np);
  if (threaded) return threaded;
  const w = wasmKernel();
  if (!w) return gemmReference(ap, bp, panels, k, np);
  const bytes = (ap.length + bp.length + panels * PANEL_ROWS * np) * 4;
  const have = w.memory.buffer.byteLength;
  if (have < bytes) w.memory.grow(Math.ceil((bytes - have) / 65536));
  const f = new Float32Array(w.memory.buffer);
  f.set(ap, 0);
  f.set(bp, ap.length);
  const cOffset = ap.length + bp.length;
  w.gemm(0, ap.length * 4, cOffset * 4, panels, k, np);
  return f.slice(cOffset, cOffset + panels * PANEL_ROWS * np);
};

/** A matrix packed by {@link packColumns}. */
export interface PackedColumns {
  /** `Bp[block][k][column]`, float32. */
  readonly packed: Float32Array;
  /** Columns after padding, a multiple of {@link BLOCK_COLUMNS}. */
  readonly np: number;
}

/** B [k][n] (row-major float64 weights) packed for {@link Gemm}, columns padded to a multiple of {@link BLOCK_COLUMNS}. */
export function packColumns(b: Float64Array, k: number, n: number): PackedColumns {
  const B = BLOCK_COLUMNS;
  const np = Math.ceil(n / B) * B;
  const packed = new Float32Array(k * np);
  for (let blk = 0; blk < np / B; blk++) {
    for (let kk = 0; kk < k; kk++) {
      for (let col = 0; col < B; col++) {
        const j = blk * B + col;
        if (j < n) packed[(blk * k + kk) * B + col] = b[kk * n + j]!;
      }
    }
  }
  return { packed, np };
}
