// Its own file (its own process): the wasm backend initialises here for the first time.
// A wasm package without what the threaded loader needs: ncomp falls back to TF.js's
// single-threaded loader and says why, rather than failing.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { PackageImporter } from './index.js';
import { defaultImporter, describeBackend, setBackend } from './index.js';

describe('wasm backend in Node.js when the threaded build cannot be used', () => {
  it('runs single-threaded and names the reason', async () => {
    const withoutBackendClass: PackageImporter = async (spec) => {
      const real = (await defaultImporter(spec)) as Record<string, unknown>;
      if (spec !== '@tensorflow/tfjs-backend-wasm') return real;
      const { BackendWasm: _omitted, ...rest } = real;
      return rest;
    };
    const report = await setBackend('wasm', { importer: withoutBackendClass, wasmThreads: 2 });
    expect(report.chosen).toBe('wasm');
    expect(report.reason).toBe('WebAssembly, SIMD on, 1 thread (threads unavailable: the package does not export BackendWasm and version_wasm)');
    expect(describeBackend().wasm).toEqual({ simd: true, multithreaded: false, threads: 1 });
    const y = tf.tidy(() => tf.matMul(tf.ones([4, 3]), tf.ones([3, 2])));
    expect(Array.from(await y.data())).toEqual(new Array(8).fill(3));
    y.dispose();
  });
});
