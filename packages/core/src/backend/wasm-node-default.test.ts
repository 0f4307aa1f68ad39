// Its own file (its own process): the wasm backend initialises here for the first time, with
// the default thread count (vitest.setup.ts sets NCOMP_WASM_THREADS=1, removed here).
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeBackend, setBackend } from './index.js';
import { DEFAULT_MAX_WASM_THREADS, WASM_THREADS_ENV } from './wasm-threads.js';

describe('wasm backend in Node.js without wasmThreads or NCOMP_WASM_THREADS', () => {
  it('takes the idle cores (1 to 4) and says so, with the cores and load average it saw', async () => {
    delete process.env[WASM_THREADS_ENV];
    const report = await setBackend('wasm');
    const cores = availableParallelism();
    const threads = describeBackend().wasm!.threads;
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(threads).toBeLessThanOrEqual(Math.min(cores, DEFAULT_MAX_WASM_THREADS));
    const seen = `default: ${cores} cores, load average \\d+\\.\\d\\d`;
    const expected =
      threads === 1
        ? `^WebAssembly, SIMD on, 1 thread \\(${seen}: no idle core for a second thread; wasmThreads or NCOMP_WASM_THREADS sets more\\)$`
        : `^WebAssembly, SIMD on, ${threads} threads \\(worker_threads; ${seen}\\)$`;
    expect(report.reason).toMatch(new RegExp(expected));
    const y = tf.tidy(() => tf.sum(tf.square(tf.tensor1d([1, 2, 3]))));
    expect(await y.data()).toEqual(new Float32Array([14]));
    y.dispose();
  });
});
