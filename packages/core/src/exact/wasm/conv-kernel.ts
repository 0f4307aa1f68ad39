import { wasmKernel, type ConvArgs } from './gemm.js';

/**
 * Where gemm.wat's implicit-GEMM convolution (`conv`) runs: a memory the caller lays its
 * operands out in, and a call over all of a layer's panels. The single-thread runner uses
 * the kernel's own memory; `startGemmThreads` installs one on a shared memory that splits
 * the panels between threads (each output is computed whole by one thread, so the bits do
 * not depend on the split).
 */
export interface ConvRunner {
  /**
   * The memory, grown to at least `bytes` (its contents kept), or null when that is more
   * than this runner can hold. Views of it are valid until the next call of `memory`.
   */
  memory(bytes: number): ArrayBufferLike | null;
  /** Runs `conv` over all `args[5]` panels (the threads' shares, or all on this thread). */
  run(args: ConvArgs): void;
}

let parallel: ConvRunner | undefined;

/** Installs (or, with `undefined`, removes) the threaded runner {@link convRunner} prefers. */
export function useParallelConv(r: ConvRunner | undefined): void {
  parallel = r;
}

/** Whether exact-conv.ts takes the implicit-GEMM path (see {@link useImplicitConv}). */
let implicit = true;

/**
 * Chooses how the deterministic convolutions multiply: `true` (the default) the implicit
 * GEMM of gemm.wat (the kernel reads the zero-padded map in place), `false` im2col into
 * packed panels and the plain GEMM. The same bits either way; benchmarks and tests compare
 * the two.
 * @internal
 */
export function useImplicitConv(on: boolean): void {
  implicit = on;
}

/** The runner of the implicit-GEMM convolution, or null where it is off or WebAssembly SIMD is missing. */
export function convRunner(): ConvRunner | null {
  if (!implicit) return null;
  if (parallel) return parallel;
  const k = wasmKernel();
  if (!k) return null;
  return {
    memory: (bytes) => {
      const have = k.memory.buffer.byteLength;
      // Byte offsets travel as i32: past 2 GiB (or when the engine refuses to grow), im2col's chunks take over.
      if (bytes > 2 ** 31) return null;
      try {
        if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / 65536));
      } catch {
        return null;
      }
      return k.memory.buffer;
    },
    run: (args) => k.conv(...args),
  };
}
