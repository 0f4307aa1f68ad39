/**
 * TF.js's threaded SIMD wasm build on Node.js `worker_threads`.
 *
 * tfjs-backend-wasm 4.22 ships the Emscripten build it needs (`wasm-out/tfjs-backend-wasm-
 * threaded-simd.{js,wasm}` and the pthread worker's source in `...worker.js`), and that
 * Emscripten output supports Node: its glue takes `Worker` from `worker_threads` and its
 * worker script listens on `parentPort`. What keeps it off in Node is TF.js's own `init()`:
 *
 * 1. the flag `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false when `IS_NODE`
 *    (tensorflow/tfjs#3830), so the single-threaded SIMD binary is chosen;
 * 2. forced on, `init()` hands Emscripten the worker script as a `blob:` URL
 *    (`URL.createObjectURL`), which Node's `Worker` refuses (ERR_WORKER_PATH), and the
 *    main script as a `Blob`, which the worker would pass to `fs.readFileSync`;
 * 3. even running, `init_with_threads_count(n)` (backend.cc) caps the pool at
 *    `emscripten_num_logical_cores() / 2` ("x86-64 processors have 2 threads per core"),
 *    so a 2-vCPU machine gets 1 thread whatever `setThreadsCount` says.
 *
 * {@link threadedWasmFactory} does `init()`'s work without those three: it loads the
 * Emscripten factory with `require`, so the glue's `_scriptDir` is a file path that workers
 * can read; it gives the pthread worker as a `data:` URL module that defines `require` and
 * `__filename` and evaluates TF.js's worker source in the worker's global scope (as
 * `importScripts` would); and it instantiates the binary itself, reporting
 * `2 x threads` logical cores so that the cap is the count asked for. The module is then
 * wrapped exactly as `init()` wraps it (`module.tfjs`) and given to the package's own
 * `BackendWasm`, so every TF.js kernel and every ncomp wasm kernel runs unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/index.js';
import type { WasmBackendModule } from './wasm-module.js';

/** What `BackendWasm` needs from an Emscripten module besides the kernels' exports. */
interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => unknown;
  PThread?: { unusedWorkers?: unknown[]; runningWorkers?: unknown[]; terminateAllThreads?: () => void };
  tfjs?: unknown;
}

/** The Emscripten factory of `tfjs-backend-wasm-threaded-simd.js` (MODULARIZE output). */
type EmscriptenFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

/** A `worker_threads` Worker, as far as this file watches it; `onerror` is set by Emscripten's glue. */
interface WatchedWorker {
  onerror?: ((error: unknown) => void) | undefined;
  on(event: 'error', listener: (error: unknown) => void): void;
  once(event: 'exit', listener: (code: number) => void): void;
  terminate(): unknown;
  unref(): void;
}

/** The wasm backend package with the class this file instantiates. */
export interface ThreadableWasmModule extends WasmBackendModule {
  /** TF.js's backend class; its constructor takes the initialised Emscripten module. */
  readonly BackendWasm: new (module: unknown) => tf.KernelBackend;
  /** The package version, compared with the files found on disk. */
  readonly version_wasm: string;
}

/** True when `mod` has what {@link threadedWasmFactory} needs beyond {@link WasmBackendModule}. */
export function isThreadableWasmModule(mod: WasmBackendModule): mod is ThreadableWasmModule {
  const m = mod as unknown as Record<string, unknown>;
  return typeof m['BackendWasm'] === 'function' && typeof m['version_wasm'] === 'string';
}

/** The Emscripten files of the threaded SIMD build, found next to the installed package. */
export interface ThreadedWasmFiles {
  /** `wasm-out/tfjs-backend-wasm-threaded-simd.js`: the Emscripten factory (CommonJS). */
  readonly factory: string;
  /** `wasm-out/tfjs-backend-wasm-threaded-simd.wasm`. */
  readonly binary: string;
  /** `wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`: exports the pthread worker's source. */
  readonly worker: string;
}

const PKG = '@tensorflow/tfjs-backend-wasm';
const BASE = 'tfjs-backend-wasm-threaded-simd';

/**
 * The most XNNPACK threads TF.js 4.22's build can use: it pre-starts 8 pthread workers
 * (`PTHREAD_POOL_SIZE`) and `init_with_threads_count` caps the pool at 8.
 */
export const MAX_WASM_THREADS = 8;

/** The environment variable that sets the default of `wasmThreads` in Node.js (a positive integer). */
export const WASM_THREADS_ENV = 'NCOMP_WASM_THREADS';

/** The most threads the default takes (more are given by `wasmThreads` or `NCOMP_WASM_THREADS`). */
export const DEFAULT_MAX_WASM_THREADS = 4;

/** The machine's state that the default thread count follows. */
export interface MachineLoad {
  /** Logical cores (Node's `os.availableParallelism()`). */
  readonly cores: number;
  /** Load average over the last minute (`os.loadavg()[0]`; 0 where the platform has none, as on Windows). */
  readonly load: number;
  /** wasm threads that other live ncomp processes run (see `thread-claims.ts`); default 0. */
  readonly claimed?: number;
}

/**
 * The default thread count in Node.js: `NCOMP_WASM_THREADS` when set (at most
 * {@link MAX_WASM_THREADS}), else the cores the machine leaves idle, `cores - max(floor(load),
 * claimed)` (claimed: the threads of other ncomp processes, which a process started a
 * moment ago adds before the load average shows it),
 * between 1 and {@link DEFAULT_MAX_WASM_THREADS}. XNNPACK's threads meet at the end of every
 * kernel, so a thread that waits for a busy core holds up the others: on a 2-core machine
 * under a load average of 8 to 10, 2 threads took 5 to 59 % longer than one (docs/backends.md).
 * The thread count changes no result: XNNPACK splits each kernel's outputs between threads,
 * never a sum, so every thread count gives the same bits (models/src/codec/wasm-threads-exact.test.ts).
 *
 * @param machine - Cores and load average; without it, one core and no load (1 thread).
 * @throws InvalidArgumentError when `NCOMP_WASM_THREADS` is set to anything but a positive integer.
 */
export function defaultWasmThreads(machine: MachineLoad = { cores: 1, load: 0 }): number {
  const fromEnv = process.env[WASM_THREADS_ENV];
  if (fromEnv === undefined || fromEnv === '') {
    // A process started a moment ago is not in the load average yet, but in the claims.
    const busy = Math.max(Math.floor(Math.max(0, machine.load)), machine.claimed ?? 0);
    const idle = machine.cores - busy;
    return Math.max(1, Math.min(DEFAULT_MAX_WASM_THREADS, idle));
  }
  const n = Number(fromEnv);
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new InvalidArgumentError(`${WASM_THREADS_ENV} must be a positive integer, found ${JSON.stringify(fromEnv)}`);
  return Math.min(MAX_WASM_THREADS, n);
}

/**
 * Finds the threaded build's files of the installed wasm backend package and checks that
 * they belong to the same version as the loaded package (`expectedVersion`).
 *
 * @throws Error saying which file is missing or which versions differ.
 */
export async function findThreadedWasmFiles(expectedVersion: string): Promise<ThreadedWasmFiles> {
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const { existsSync, readFileSync } = await import('node:fs');
  const require = createRequire(import.meta.url);
  const manifest = require.resolve(`${PKG}/package.json`);
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
  if (version !== expectedVersion) {
    throw new Error(`${PKG} resolved from @ncomp/core is version ${String(version)}, the loaded one is ${expectedVersion}`);
  }
  const dir = join(dirname(manifest), 'wasm-out');
  const files = { factory: join(dir, `${BASE}.js`), binary: join(dir, `${BASE}.wasm`), worker: join(dir, `${BASE}.worker.js`) };
  for (const file of Object.values(files)) {
    if (!existsSync(file)) throw new Error(`${PKG} ${version} has no ${file}`);
  }
  return files;
}

/**
 * The source of the pthread worker, as an ES module for a `data:` URL: TF.js's worker
 * script is a classic script that expects CommonJS's `require` and `__filename` and
 * `importScripts` semantics (global scope), so it is evaluated with an indirect `eval`
 * after those two are defined as globals. `wasmWorkerContents` holds `"\n"` escapes as
 * real newlines (it is a template literal); TF.js's `init()` re-escapes them the same way.
 */
function workerModuleSource(workerFile: string, workerUrl: string): string {
  return [
    "import { createRequire } from 'node:module';",
    `const require = createRequire(${JSON.stringify(workerUrl)});`,
    'globalThis.require = require;',
    `globalThis.__filename = ${JSON.stringify(workerFile)};`,
    `const { wasmWorkerContents } = require(${JSON.stringify(workerFile)});`,
    "(0, eval)(wasmWorkerContents.replace(/\\n/g, '\\\\n'));",
  ].join('\n');
}

function workersOf(module: EmscriptenModule): WatchedWorker[] {
  const pthread = module.PThread;
  return [...(pthread?.unusedWorkers ?? []), ...(pthread?.runningWorkers ?? [])] as WatchedWorker[];
}

/**
 * Until the module has loaded, a worker that fails or exits rejects the load (`fail`)
 * instead of ending the process: Node throws an `error` event that has no listener, and
 * Emscripten's `onerror` (set when the compiled module is sent to the workers) rethrows.
 * Call it once the workers exist; call the returned function once the module is sent to
 * them, and the function that returns once it has loaded, to put Emscripten's handlers back.
 */
function guardWorkers(module: EmscriptenModule, fail: (error: unknown) => void): () => () => void {
  const workers = workersOf(module);
  const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String((e as { message?: unknown } | null)?.message ?? e)));
  for (const worker of workers) {
    worker.on('error', (e) => fail(asError(e)));
    worker.once('exit', (code) => fail(new Error(`a wasm pthread worker exited (code ${code}) while loading`)));
  }
  return () => {
    const originals = workers.map((w) => w.onerror);
    for (const worker of workers) worker.onerror = (e) => fail(asError(e));
    return () => workers.forEach((w, i) => (w.onerror = originals[i]));
  };
}

/** The statement of TF.js 4.22's glue that sets how many pthread workers start with the module. */
const POOL_STATEMENT = /var pthreadPoolSize=8;/;

/**
 * The Emscripten factory of the threaded build, evaluated as CommonJS under the file's own
 * name (its workers load that file by `__filename`), with the pool of pthread workers that
 * the module starts at once cut from 8 to `poolSize`: XNNPACK's pool on n threads runs n - 1
 * pthreads (the calling thread is the n-th), and each started worker compiles and
 * instantiates the whole binary, which took 0.4 s and 17 MiB per worker on a loaded 2-core
 * machine. A build without that statement is loaded as it is (8 workers).
 */
async function loadFactory(file: string, poolSize: number): Promise<EmscriptenFactory> {
  const { createRequire } = await import('node:module');
  const { readFile } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  const require = createRequire(file);
  const source = await readFile(file, 'utf8');
  if (!POOL_STATEMENT.test(source)) return require(file) as EmscriptenFactory;
  const module = { exports: {} as unknown };
  // The glue is CommonJS: it reads require, module, exports, __filename and __dirname.
  const evaluate = new Function('require', 'module', 'exports', '__filename', '__dirname', source.replace(POOL_STATEMENT, `var pthreadPoolSize=${poolSize};`));
  evaluate(require, module, module.exports, file, dirname(file));
  return module.exports as EmscriptenFactory;
}

/**
 * A backend factory for `tf.registerBackend('wasm', ...)` that starts TF.js's threaded
 * SIMD build on `threads` XNNPACK threads in Node.js (see this file's comment for how).
 * The package's `setThreadsCount(threads)` must have been called: `BackendWasm`'s
 * constructor reads it.
 *
 * @param mod - The loaded wasm backend package (its `BackendWasm` class).
 * @param files - The threaded build's files, from {@link findThreadedWasmFiles}.
 * @param threads - XNNPACK threads, 1 to {@link MAX_WASM_THREADS}.
 * @returns A factory resolving to a `BackendWasm`, or rejecting when the module or one of
 *   its workers fails to load (its workers are terminated then).
 */
export function threadedWasmFactory(mod: ThreadableWasmModule, files: ThreadedWasmFiles, threads: number): () => Promise<tf.KernelBackend> {
  return async () => {
    const { readFile } = await import('node:fs/promises');
    const { pathToFileURL } = await import('node:url');
    const factory = await loadFactory(files.factory, threads - 1);
    const binary = await readFile(files.binary);
    const workerUrl = new URL(`data:text/javascript,${encodeURIComponent(workerModuleSource(files.worker, pathToFileURL(files.worker).href))}`);
    let fail: (error: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    let guardLoad = (): (() => void) => () => undefined;
    let restoreHandlers = (): void => undefined;
    const config: Record<string, unknown> = {
      // Emscripten passes what this returns to `new Worker(...)`: a URL object for the worker.
      locateFile: (path: string) => (path.endsWith('.worker.js') ? workerUrl : files.binary),
      instantiateWasm: (info: { env: Record<string, unknown> }, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
        // backend.cc: `num_cores = emscripten_num_logical_cores() / 2` caps the pool.
        info.env['emscripten_num_logical_cores'] = () => 2 * threads;
        WebAssembly.instantiate(binary, info as WebAssembly.Imports).then((result) => {
          // receive() sends the compiled module to every worker and sets their onerror.
          receive(result.instance, result.module);
          restoreHandlers = guardLoad();
        }, fail);
        return {};
      },
    };
    // The factory starts the pthread workers synchronously and stores PThread on `config`.
    const ready = factory(config);
    const module = config as unknown as EmscriptenModule;
    guardLoad = guardWorkers(module, fail);
    try {
      await Promise.race([ready, failed]);
    } catch (error) {
      for (const worker of workersOf(module)) void worker.terminate();
      throw error;
    }
    restoreHandlers();
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    const backend = new mod.BackendWasm(module);
    // The constructor started XNNPACK's pool: pthreads that live as long as the module, on
    // workers Emscripten ref()s while they run a pthread. Unref them so that, as with the
    // single-threaded build, the backend never keeps the process alive (their work happens
    // inside synchronous kernel calls of this thread, never between two event-loop turns).
    for (const worker of workersOf(module)) worker.unref();
    return backend;
  };
}

/** What {@link enableNodeWasmThreads} arranged, read after the backend has initialised. */
export interface NodeWasmThreading {
  /** The XNNPACK threads asked for (1: TF.js's single-threaded SIMD build, no workers). */
  readonly requested: number;
  /**
   * Where `requested` comes from: `wasmThreads`, the `NCOMP_WASM_THREADS` environment
   * variable, or the default, the idle cores ({@link defaultWasmThreads}).
   */
  readonly source: 'option' | 'env' | 'default';
  /** The cores and load average the default was chosen from (`source` `'default'`). */
  readonly machine?: MachineLoad;
  /**
   * Why the threaded build is not used, if it is not: it could not be prepared, or it
   * failed to load and TF.js's single-threaded build was loaded instead. `undefined` while
   * it is in use (or was not asked for).
   */
  failure(): string | undefined;
}

/**
 * In Node.js, replaces the wasm backend's registration (same priority) by one that loads
 * the threaded SIMD build on `requested` threads (default {@link defaultWasmThreads}, from the
 * machine's cores and load average), and
 * falls back to TF.js's own single-threaded loader (saying why) when that build cannot be
 * found or fails to load. Does nothing outside Node.js (TF.js threads the backend itself
 * where the platform allows) and for one thread. Call it after importing the package and
 * before the wasm backend first initialises.
 *
 * @param mod - The loaded wasm backend package.
 * @param requested - `SetBackendOptions.wasmThreads`, a positive integer, or undefined.
 * @returns What was arranged; `undefined` outside Node.js.
 */
export async function enableNodeWasmThreads(mod: WasmBackendModule, requested: number | undefined): Promise<NodeWasmThreading | undefined> {
  if (!tf.env().getBool('IS_NODE')) return undefined;
  const source = requested !== undefined ? 'option' : (process.env[WASM_THREADS_ENV] ?? '') !== '' ? 'env' : 'default';
  const claims = await import('./thread-claims.js');
  let machine: MachineLoad | undefined;
  if (source === 'default') {
    const os = await import('node:os');
    machine = { cores: os.availableParallelism(), load: os.loadavg()[0] ?? 0, claimed: claims.threadsClaimedByOthers() };
  }
  const threads = Math.min(requested ?? defaultWasmThreads(machine), MAX_WASM_THREADS);
  claims.claimThreads(threads);
  mod.setThreadsCount(threads);
  let failure: string | undefined;
  const outcome: NodeWasmThreading = { requested: threads, source, ...(machine && { machine }), failure: () => failure };
  if (threads === 1) return outcome;
  const entry = tf.engine().registryFactory['wasm'];
  if (entry === undefined) return outcome;
  let factory: () => Promise<tf.KernelBackend>;
  try {
    if (!isThreadableWasmModule(mod)) throw new Error('the package does not export BackendWasm and version_wasm');
    // The only threaded build is a SIMD one; TF.js's init() evaluates this flag, which this path bypasses.
    if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('this engine has no WebAssembly SIMD');
    factory = threadedWasmFactory(mod, await findThreadedWasmFiles(mod.version_wasm), threads);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    return outcome;
  }
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        const backend = await factory();
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
        return backend;
      } catch (error) {
        failure = `the threaded build failed to load: ${error instanceof Error ? error.message : String(error)}`;
        return entry.factory();
      }
    },
    entry.priority,
  );
  return outcome;
}
