/**
 * The deterministic GEMM (and the implicit-GEMM convolution, conv-kernel.ts) on several
 * threads, in Node.js: worker threads share one WebAssembly memory with the calling thread
 * and each computes a contiguous range of A's panels with the same kernel, so every output
 * is the same sequential float32 sum as on one thread — the same bits, whatever the thread
 * count. The caller stays synchronous:
 * it hands out the ranges through a shared control block, computes the first range
 * itself and waits (`Atomics.wait`, which Node.js allows on its main thread) for the rest.
 * Browsers keep the single-threaded kernel (their main thread may not wait).
 */
import { InvalidArgumentError } from '../../errors/index.js';
import { useParallelConv } from './conv-kernel.js';
import { GEMM_SHARED_WASM_BASE64, PANEL_ROWS } from './gemm-wasm.js';
import { decodeBase64, useParallelGemm, type ConvArgs, type Kernel, type ParallelGemm } from './gemm.js';

/** Control block slots (Int32): a generation counter the workers wait on, the finished count, the call. */
const GENERATION = 0;
const FINISHED = 1;
/** Which export: 0 gemm, 1 conv. */
const OP = 2;
/**
 * The call's arguments (byte offsets and sizes): gemm's a, b, c, panels, k, np, or conv's
 * {@link ConvArgs}; panels are at slot ARGS + 3 for gemm, ARGS + 5 for conv.
 */
const ARGS = 3;
/** Then, per worker, the last generation it finished. */
const DONE = ARGS + 12;

/**
 * How long the caller waits for a worker without progress before it computes the missing
 * rows itself and goes back to one thread (a worker killed or starved must not hang a decoder).
 */
let stallMs = 5000;

/** Shared memory limit in 64 KiB pages (2 GiB); larger products run on one thread. */
const MAX_PAGES = 32768;

/** Products smaller than this many multiply-adds run on one thread (handing out costs ~10 µs). */
const MIN_PARALLEL_WORK = 1 << 20;

/** What each worker runs: instantiate the shared kernel, then serve generations until the process ends. */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { bytes, memory, control, index, count } = workerData;
const { gemm, conv } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
parentPort.postMessage('ready');
let generation = 0;
for (;;) {
  Atomics.wait(control, ${GENERATION}, generation);
  generation = Atomics.load(control, ${GENERATION});
  const args = Array.from(control.subarray(${ARGS}, ${ARGS} + 12));
  if (control[${OP}] === 0) {
    const [a, b, c, panels, k, np] = args;
    const first = Math.floor((panels * index) / count);
    const last = Math.floor((panels * (index + 1)) / count);
    if (last > first) gemm(a + first * k * ${PANEL_ROWS * 4}, b, c + first * ${PANEL_ROWS} * np * 4, last - first, k, np);
  } else {
    const panels = args[5];
    const first = Math.floor((panels * index) / count);
    const last = Math.floor((panels * (index + 1)) / count);
    args[0] += first * ${PANEL_ROWS * 4};
    args[1] += first * ${PANEL_ROWS * 4};
    args[5] = last - first;
    if (last > first) conv(...args);
  }
  Atomics.store(control, ${DONE} + index - 1, generation);
  if (Atomics.add(control, ${FINISHED}, 1) + 1 === count - 1) Atomics.notify(control, ${FINISHED});
}
`;

/** The parts of worker_threads used here. */
interface WorkerThreads {
  readonly Worker: new (
    source: string,
    options: { eval: true; workerData: unknown },
  ) => { unref(): void; once(event: string, f: (v: unknown) => void): void; terminate(): Promise<number> };
}

/** The parts of the global WebAssembly object used here. */
interface SharedWasmApi {
  readonly Memory: new (d: { initial: number; maximum: number; shared: true }) => { readonly buffer: SharedArrayBuffer; grow(pages: number): number };
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

let threads = 1;
let starting: Promise<number> | undefined;
let stopWorkers: (() => Promise<void>) | undefined;
let killWorkers: ((stallMs: number) => Promise<void>) | undefined;

/**
 * Tests only: ends the workers behind the pool's back (as a crash would) and shortens the
 * stall timeout, to check that the next product still completes, with the same bits.
 * @internal
 */
export async function killGemmWorkersForTest(stallMs: number): Promise<void> {
  await killWorkers?.(stallMs);
}

/** The thread count of the deterministic GEMM now (1 until {@link startGemmThreads} has started more). */
export function gemmThreads(): number {
  return threads;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** The thread count asked for: `NCOMP_EXACT_THREADS`, else the cores (at most 4). */
async function defaultThreads(): Promise<number> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NCOMP_EXACT_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`NCOMP_EXACT_THREADS must be a positive integer, found "${env}"`);
    return n;
  }
  const spec = 'node:os';
  const os = (await import(/* @vite-ignore */ spec)) as { availableParallelism?: () => number; cpus: () => unknown[] };
  return Math.min(4, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * Starts the worker threads of the deterministic GEMM (Node.js only; elsewhere it stays on
 * one thread and this resolves to 1). Idempotent: later calls resolve to the running count.
 * The deterministic layers call it before their first product, so users need not; call it
 * to choose the count (or set `NCOMP_EXACT_THREADS`). Results are bit-identical for every
 * count. The workers never keep the process alive.
 * @param count - Threads including the caller; default `NCOMP_EXACT_THREADS`, else the
 *   cores, at most 4.
 * @returns The thread count in use.
 * @throws InvalidArgumentError for a count that is not a positive integer.
 * @example
 * ```ts
 * import { startGemmThreads } from '@ncomp/core';
 * const n = await startGemmThreads(2);
 * console.log(`deterministic layers on ${n} thread(s)`);
 * ```
 */
export function startGemmThreads(count?: number): Promise<number> {
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new InvalidArgumentError(`startGemmThreads: count must be a positive integer, found ${String(count)}`);
  }
  starting ??= start(count).catch(() => 1);
  return starting.then(() => threads);
}

/** Stops the worker threads (tests); the GEMM runs on one thread until started again. */
export async function stopGemmThreads(): Promise<void> {
  const stop = stopWorkers;
  starting = undefined;
  stopWorkers = undefined;
  killWorkers = undefined;
  stallMs = 5000;
  threads = 1;
  useParallelGemm(undefined);
  useParallelConv(undefined);
  if (stop) await stop();
}

async function start(asked: number | undefined): Promise<number> {
  const api = (globalThis as unknown as { WebAssembly?: SharedWasmApi }).WebAssembly;
  if (!isNode() || !api || typeof SharedArrayBuffer === 'undefined') return 1;
  const count = asked ?? (await defaultThreads());
  if (count === 1) return 1;
  const spec = 'node:worker_threads';
  const { Worker } = (await import(/* @vite-ignore */ spec)) as WorkerThreads;
  const bytes = decodeBase64(GEMM_SHARED_WASM_BASE64);
  const memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const own = new api.Instance(new api.Module(bytes), { env: { memory } }).exports as Pick<Kernel, 'gemm' | 'conv'>;
  const control = new Int32Array(new SharedArrayBuffer(4 * (DONE + count - 1)));
  const workers = Array.from(
    { length: count - 1 },
    (_, i) => new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes, memory, control, index: i + 1, count } }),
  );
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
    ),
  );
  workers.forEach((w) => w.unref());
  /**
   * Hands out a call (`op`, `args`) over `panels` panels: thread i computes the range
   * `run(first, last)` of its share; the caller does share 0 and waits for the others.
   */
  const split = (op: number, args: readonly number[], panels: number, run: (first: number, last: number) => void): void => {
    control.set([op, ...args], OP);
    Atomics.store(control, FINISHED, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    const generation = Atomics.load(control, GENERATION);
    const share = (i: number): void => {
      const [first, last] = [Math.floor((panels * i) / count), Math.floor((panels * (i + 1)) / count)];
      if (last > first) run(first, last);
    };
    share(0);
    for (let done = Atomics.load(control, FINISHED); done < count - 1; done = Atomics.load(control, FINISHED)) {
      if (Atomics.wait(control, FINISHED, done, stallMs) === 'timed-out' && Atomics.load(control, FINISHED) === done) {
        // A worker stalled: do its rows here (the same bits; a late worker writes the same
        // values) and stay on one thread from now on.
        for (let i = 1; i < count; i++) if (Atomics.load(control, DONE + i - 1) !== generation) share(i);
        useParallelGemm(undefined);
        useParallelConv(undefined);
        threads = 1;
        break;
      }
    }
  };
  const grow = (bytes: number): boolean => {
    if (bytes > MAX_PAGES * 65536) return false;
    const have = memory.buffer.byteLength;
    try {
      if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return false; // the engine refused: one thread, the product's own memory
    }
    return true;
  };
  const parallel: ParallelGemm = (ap, bp, panels, k, np) => {
    const cLength = panels * PANEL_ROWS * np;
    if (panels < count || panels * PANEL_ROWS * k * np < MIN_PARALLEL_WORK || !grow((ap.length + bp.length + cLength) * 4)) return undefined;
    const f = new Float32Array(memory.buffer);
    f.set(ap, 0);
    f.set(bp, ap.length);
    const c = (ap.length + bp.length) * 4;
    split(0, [0, ap.length * 4, c, panels, k, np], panels, (first, last) =>
      own.gemm(first * k * PANEL_ROWS * 4, ap.length * 4, c + first * PANEL_ROWS * np * 4, last - first, k, np),
    );
    return new Float32Array(memory.buffer, c, cLength).slice();
  };
  useParallelConv({
    memory: (bytes) => (grow(bytes) ? memory.buffer : null),
    run: (args: ConvArgs) => {
      const [xi, oi, , , , panels, ta, tb, ch, , , np] = args;
      // Once the pool has fallen back to one thread, everything runs here.
      if (threads === 1 || panels < count || panels * PANEL_ROWS * ta * tb * ch * np < MIN_PARALLEL_WORK) {
        own.conv(...args);
        return;
      }
      split(1, args, panels, (first, last) => {
        const mine: ConvArgs = [...args];
        [mine[0], mine[1], mine[5]] = [xi + first * PANEL_ROWS * 4, oi + first * PANEL_ROWS * 4, last - first];
        own.conv(...mine);
      });
    },
  });
  useParallelGemm(parallel);
  stopWorkers = async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
  killWorkers = async (ms) => {
    stallMs = ms;
    await Promise.all(workers.map((w) => w.terminate()));
  };
  threads = count;
  return count;
}
