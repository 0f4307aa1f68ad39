// Runs in its own test file (its own process) so that the wasm backend initialises
// here for the first time: thread settings and binary lookup apply only at that moment.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PackageImporter } from './index.js';
import { defaultImporter, describeBackend, setBackend } from './index.js';

describe('wasm backend in Node.js (first initialisation)', () => {
  it('loads its binaries from any working directory, without setWasmPaths, and stays single-threaded', async () => {
    const calls: Array<[string, unknown[]]> = [];
    // Wrap the real package to record which configuration calls setBackend makes.
    const spying: PackageImporter = async (spec) => {
      const real = (await defaultImporter(spec)) as Record<string, unknown>;
      if (spec !== '@tensorflow/tfjs-backend-wasm') return real;
      const wrapped: Record<string, unknown> = { ...real };
      for (const name of ['setWasmPaths', 'setThreadsCount', 'getThreadsCount']) {
        const fn = real[name] as (...args: unknown[]) => unknown;
        wrapped[name] = (...args: unknown[]) => {
          calls.push([name, args]);
          return fn(...args);
        };
      }
      return wrapped;
    };
    const cwd = process.cwd();
    const elsewhere = await mkdtemp(join(tmpdir(), 'ncomp-cwd-'));
    try {
      // A directory with no node_modules: a cwd-relative lookup of the .wasm files would fail.
      process.chdir(elsewhere);
      expect(tf.engine().registry['wasm']).toBeUndefined();
      const report = await setBackend('wasm', { importer: spying, wasmThreads: 2 });
      expect(report.chosen).toBe('wasm');
      expect(calls.filter(([n]) => n === 'setWasmPaths')).toEqual([]);
      expect(calls).toContainEqual(['setThreadsCount', [2]]);
      // Node: TF.js disables wasm multithreading, so XNNPACK runs one thread regardless.
      expect(describeBackend().wasm).toEqual({ simd: true, multithreaded: false, threads: 1 });
      expect(report.reason).toMatch(/^WebAssembly, SIMD on, 1 thread \(TF.js has no wasm threads in Node.js\)$/);

      const before = tf.memory().numTensors;
      const y = tf.tidy(() => tf.sum(tf.square(tf.tensor1d([1, 2, 3]))));
      expect(await y.data()).toEqual(new Float32Array([14]));
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      process.chdir(cwd);
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
