// Its own file (its own process): the wasm backend initialises here for the first time,
// with one thread, so TF.js's single-threaded SIMD build loads and no worker starts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeBackend, setBackend } from './index.js';

describe('wasm backend in Node.js with wasmThreads: 1', () => {
  it("loads TF.js's single-threaded SIMD build", async () => {
    const report = await setBackend('wasm', { wasmThreads: 1 });
    expect(report.reason).toBe('WebAssembly, SIMD on, 1 thread (wasmThreads: 1)');
    expect(describeBackend().wasm).toEqual({ simd: true, multithreaded: false, threads: 1 });
    const y = tf.tidy(() => tf.sum(tf.square(tf.tensor1d([1, 2, 3]))));
    expect(await y.data()).toEqual(new Float32Array([14]));
    y.dispose();
  });
});
