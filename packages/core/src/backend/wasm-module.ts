/**
 * The parts of `@tensorflow/tfjs-backend-wasm` ncomp uses, checked at run time (the
 * package arrives through an injectable importer, so its type is not known statically),
 * and the loaded instance, remembered for `describeBackend`.
 *
 * Findings for tfjs-backend-wasm 4.22 in Node.js (checked on Node 20):
 *
 * - Binaries: the package's `main` is the CommonJS bundle `dist/tf-backend-wasm.node.js`,
 *   whose Emscripten loader locates `tfjs-backend-wasm*.wasm` next to itself (via
 *   `__dirname`) and reads them with `fs`. So `setWasmPaths` is NOT needed in Node and
 *   loading works from any working directory. It is needed only when a bundler moves the
 *   JavaScript away from the `.wasm` files; `SetBackendOptions.wasmPaths` passes it on.
 * - SIMD: detected with `WebAssembly.validate` (flag `WASM_HAS_SIMD_SUPPORT`); Node 20
 *   supports it, so `tfjs-backend-wasm-simd.wasm` is used.
 * - Threads: the flag `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false when
 *   `IS_NODE` (tensorflow/tfjs#3830), and forcing it true fails: TF.js starts Emscripten's
 *   pthread workers from `blob:` URLs, which Node's `Worker` rejects (ERR_WORKER_PATH).
 *   `wasm-threads.ts` loads the threaded SIMD build itself on `worker_threads` instead. In
 *   browsers with cross-origin isolation TF.js uses that build on its own.
 */

/** The functions ncomp calls on the wasm backend package. */
export interface WasmBackendModule {
  /** Directory prefix or per-binary map of the `.wasm` files; before initialisation only. */
  setWasmPaths(prefixOrFileMap: string | Record<string, string>, usePlatformFetch?: boolean): void;
  /** XNNPACK thread count to request; before initialisation only. */
  setThreadsCount(numThreads: number): void;
  /** Threads actually in use; throws before initialisation. */
  getThreadsCount(): number;
}

/** True when `mod` exposes the wasm backend functions ncomp needs. */
export function isWasmBackendModule(mod: unknown): mod is WasmBackendModule {
  if (typeof mod !== 'object' || mod === null) return false;
  const m = mod as Record<string, unknown>;
  return typeof m['setWasmPaths'] === 'function' && typeof m['setThreadsCount'] === 'function' && typeof m['getThreadsCount'] === 'function';
}

let loaded: WasmBackendModule | undefined;

/** Remembers the wasm backend package that `setBackend` loaded. */
export function rememberWasmModule(mod: WasmBackendModule): void {
  loaded = mod;
}

/** The wasm backend package `setBackend` loaded, if any. */
export function loadedWasmModule(): WasmBackendModule | undefined {
  return loaded;
}
