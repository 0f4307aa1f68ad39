/**
 * Deterministic evaluation of entropy-parameter networks: feature maps on plain arrays,
 * float32 products summed in a fixed order (a WebAssembly SIMD kernel), float64 elsewhere,
 * no engine-dependent functions, so encoder and decoder pick the same tables on every
 * backend.
 *
 * @packageDocumentation
 */
export * from './exact-map.js';
export * from './exact-math.js';
export * from './exact-conv.js';
export * from './exact-evaluable.js';
export { gemm, gemmReference, hasWasmGemm, packColumns, PANEL_ROWS, BLOCK_COLUMNS, type Gemm, type PackedColumns } from './wasm/gemm.js';
export { useImplicitConv } from './wasm/conv-kernel.js';
export { gemmThreads, startGemmThreads, stopGemmThreads } from './wasm/gemm-threads.js';
