// Runs in its own test file (its own process) so that the wasm backend initialises
// here for the first time: thread settings and binary lookup apply only at that moment.
import * as tf from '@tensorflow/tfjs-core';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { PackageImporter } from './index.js';
import { defaultImporter, describeBackend, setBackend } from './index.js';

describe('wasm backend in Node.js (first initialisation)', () => {
  it('loads its binaries from any working directory, without setWasmPaths, on the threads asked for', async () => {
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
      // TF.js's threaded SIMD build on worker_threads, two threads even on a one-core machine.
      expect(describeBackend().wasm).toEqual({ simd: true, multithreaded: true, threads: 2 });
      expect(report.reason).toBe('WebAssembly, SIMD on, 2 threads (worker_threads)');
      // One pthread worker (XNNPACK's second thread; the calling thread is the first), not
      // the glue's 8, each of which would compile and instantiate the whole binary.
      const pthread = (tf.backend() as unknown as { wasm: { PThread: { unusedWorkers: unknown[]; runningWorkers: unknown[] } } }).wasm.PThread;
      expect(pthread.unusedWorkers.length + pthread.runningWorkers.length).toBe(1);

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

describe('threaded wasm backend in Node.js', () => {
  it('computes what the cpu backend computes, on work XNNPACK splits between its threads', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const run = () =>
      tf.tidy(() => {
        const ramp = (n: number, shape: number[]) => tf.reshape(tf.range(0, n, 1, 'float32'), shape);
        const x = tf.sin(ramp(2 * 48 * 64 * 16, [2, 48, 64, 16])) as tf.Tensor4D;
        const k = tf.mul(tf.cos(ramp(5 * 5 * 16 * 40, [5, 5, 16, 40])), 0.1) as tf.Tensor4D;
        const a = tf.cos(ramp(300 * 200, [300, 200])) as tf.Tensor2D;
        const b = tf.sin(ramp(200 * 250, [200, 250])) as tf.Tensor2D;
        const d = tf.slice(k, [0, 0, 0, 0], [3, 3, 16, 1]);
        return [tf.conv2d(x, k, 2, 'same'), tf.matMul(a, b), tf.relu(tf.depthwiseConv2d(x, d, 1, 'same'))];
      });
    const onWasm = await Promise.all(run().map(async (t) => [await t.data(), t] as const));
    await tf.setBackend('cpu');
    try {
      const onCpu = await Promise.all(run().map((t) => t.data()));
      onWasm.forEach(([w], i) => {
        const c = onCpu[i]!;
        expect(w.length).toBe(c.length);
        let worst = 0;
        for (let j = 0; j < c.length; j++) worst = Math.max(worst, Math.abs(w[j]! - c[j]!) / (1 + Math.abs(c[j]!)));
        expect(worst).toBeLessThan(1e-4);
      });
    } finally {
      await tf.setBackend('wasm');
      onWasm.forEach(([, t]) => t.dispose());
    }
  });
});

describe('threaded wasm backend and the process', () => {
  it('does not keep a Node.js process alive once its work is done', async () => {
    // A process that computes on 2 threads and then has nothing left to do must exit by
    // itself (XNNPACK's pool threads live on worker_threads that ncomp unrefs).
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = [
      `const { setBackend, describeBackend } = await import(${JSON.stringify(entry)});`,
      "const tf = await import('@tensorflow/tfjs-core');",
      "await setBackend('wasm', { wasmThreads: 2 });",
      'const y = tf.matMul(tf.ones([200, 300]), tf.ones([300, 100]));',
      'const v = await y.data();',
      'console.log(JSON.stringify({ v: v[0], wasm: describeBackend().wasm }));',
    ].join('\n');
    const cwd = fileURLToPath(new URL('../..', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd,
      timeout: 90_000,
      killSignal: 'SIGKILL',
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ v: 300, wasm: { simd: true, multithreaded: true, threads: 2 } });
  });
});
