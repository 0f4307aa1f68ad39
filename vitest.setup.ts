/**
 * Runs before every test file: registers TF.js's cpu backend, the one tests that choose
 * none run on. @ncomp/core registers no backend by itself (an application imports one, or
 * calls `setBackend`, which imports the one it picks).
 */
import '@tensorflow/tfjs-backend-cpu';

// Tests run the wasm backend on one thread whatever the shell sets or the machine's idle cores
// (the threaded wasm tests pass wasmThreads: 2): several test files each spinning XNNPACK
// threads on a small shared machine starved Vitest's own process (its RPC timed out). Thread
// counts give the same bits (models/src/codec/wasm-threads-exact.test.ts).
process.env['NCOMP_WASM_THREADS'] = '1';
// Likewise the deterministic layers' products (bit-identical on any thread count; the
// threaded GEMM's own tests ask for 2 and 3 threads).
process.env['NCOMP_EXACT_THREADS'] = '1';
