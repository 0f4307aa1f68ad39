/**
 * Choosing the TensorFlow.js backend: native TensorFlow when the user installed it,
 * else WebAssembly, else plain JavaScript.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, InvalidArgumentError } from '../errors/index.js';
import type { PackageImporter } from './import-package.js';
import { defaultImporter, errorSummary, tryImport } from './import-package.js';
import { isWasmBackendModule, rememberWasmModule } from './wasm-module.js';

/** What the caller asks for. `tensorflow` means native libtensorflow, GPU build preferred. */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** What was activated. `tensorflow-gpu` is the TF.js `tensorflow` backend from tfjs-node-gpu. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** The outcome of {@link setBackend}, for the caller to print or log. */
export interface BackendReport {
  /** The choice passed to `setBackend`. */
  readonly requested: BackendChoice;
  /** The backend now active. */
  readonly chosen: BackendName;
  /** The npm package that provides it. */
  readonly package: string;
  /** Why this backend was chosen, including why preferred ones were passed over. */
  readonly reason: string;
}

/** Options of {@link setBackend}. */
export interface SetBackendOptions {
  /**
   * How packages are imported (default: dynamic `import()`). Tests inject one to
   * simulate installed, missing or broken packages.
   */
  readonly importer?: PackageImporter;
  /**
   * Threads for the wasm backend's XNNPACK pool, a positive integer. Applied only before
   * the wasm backend first initialises. Default: TF.js's own (the browser's
   * `navigator.hardwareConcurrency`). In Node.js the wasm backend is single-threaded
   * whatever this says (see `wasm-module.ts`).
   */
  readonly wasmThreads?: number;
  /**
   * Where the `.wasm` binaries are (a directory prefix or a file map), passed to
   * `setWasmPaths`. Not needed in Node.js, where the package finds its own binaries;
   * needed when a bundler separates them from the JavaScript.
   */
  readonly wasmPaths?: string | Readonly<Record<string, string>>;
}

/** Package names. */
const PKG = {
  tfjsNodeGpu: '@tensorflow/tfjs-node-gpu',
  tfjsNode: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
} as const;

/** Why one candidate could not be used. */
interface Failure {
  readonly package: string;
  /** `missing`: not installed; `failed`: installed but did not load or initialise. */
  readonly kind: 'missing' | 'failed';
  readonly error: unknown;
  readonly summary: string;
}

type Attempt = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly failure: Failure };

const NATIVE_INSTALL_HINT =
  `Install one with \`npm install ${PKG.tfjsNode}\` (or \`npm install ${PKG.tfjsNodeGpu}\` for CUDA GPUs); ` +
  'its install step downloads the native libtensorflow library (a few hundred MB), so it needs network ' +
  'access and a platform for which libtensorflow is published.';

/**
 * Makes `name` the active TF.js backend and checks that it took: `tf.setBackend`
 * resolves `false` (rather than throwing) when initialisation fails, and throws when no
 * backend of that name is registered.
 */
async function activate(name: 'tensorflow' | 'wasm' | 'cpu'): Promise<unknown> {
  try {
    const ok = await tf.setBackend(name);
    if (ok && tf.getBackend() === name) return undefined;
    return new Error(`tf.setBackend('${name}') did not take effect (initialisation failed; TF.js logs the reason)`);
  } catch (error) {
    return error;
  }
}

function failed(pkg: string, kind: Failure['kind'], error: unknown, summary?: string): Attempt {
  return { ok: false, failure: { package: pkg, kind, error, summary: summary ?? errorSummary(error) } };
}

/** Imports one tfjs-node package and activates the `tensorflow` backend it registers. */
async function tryNative(importer: PackageImporter, pkg: string): Promise<Attempt> {
  const outcome = await tryImport(importer, pkg);
  if (outcome.status === 'missing') return failed(pkg, 'missing', outcome.error, 'not installed');
  if (outcome.status === 'failed') return failed(pkg, 'failed', outcome.error);
  if (tf.engine().registryFactory['tensorflow'] === undefined) {
    // The package loaded but registered its backend elsewhere: it resolved a different
    // copy of @tensorflow/tfjs-core (typically a version mismatch) than this package uses.
    const error = new Error(
      `${pkg} loaded but registered no 'tensorflow' backend with the @tensorflow/tfjs-core ${tf.version_core} ` +
        'that @ncomp/core uses; install matching versions so npm dedupes @tensorflow/tfjs-core'
    );
    return failed(pkg, 'failed', error);
  }
  const error = await activate('tensorflow');
  if (error !== undefined) return failed(pkg, 'failed', error);
  return { ok: true, detail: `${pkg} loaded (native libtensorflow${pkg === PKG.tfjsNodeGpu ? ' with CUDA' : ''})` };
}

/** Imports and activates the wasm backend, applying thread and path options. */
async function tryWasm(importer: PackageImporter, options: SetBackendOptions): Promise<Attempt> {
  const outcome = await tryImport(importer, PKG.wasm);
  if (outcome.status === 'missing') return failed(PKG.wasm, 'missing', outcome.error, 'not installed');
  if (outcome.status === 'failed') return failed(PKG.wasm, 'failed', outcome.error);
  const mod = outcome.module;
  if (!isWasmBackendModule(mod)) {
    return failed(
      PKG.wasm,
      'failed',
      new Error(`${PKG.wasm} does not export setWasmPaths / setThreadsCount / getThreadsCount`)
    );
  }
  rememberWasmModule(mod);
  const alreadyInitialised = tf.engine().registry['wasm'] !== undefined;
  const notes: string[] = [];
  const paths = options.wasmPaths;
  if (paths !== undefined && alreadyInitialised) {
    notes.push('wasmPaths unused (the wasm backend was already initialised)');
  } else if (paths !== undefined) {
    try {
      mod.setWasmPaths(typeof paths === 'string' ? paths : { ...paths });
    } catch (error) {
      return failed(PKG.wasm, 'failed', error);
    }
  }
  if (options.wasmThreads !== undefined) {
    if (alreadyInitialised) notes.push(`thread count unchanged (the wasm backend was already initialised)`);
    else mod.setThreadsCount(options.wasmThreads);
  }
  const error = await activate('wasm');
  if (error !== undefined) return failed(PKG.wasm, 'failed', error);
  const flags = tf.env().getFlags();
  const simd = flags['WASM_HAS_SIMD_SUPPORT'] === true;
  let threads = '?';
  try {
    threads = String(mod.getThreadsCount());
  } catch {
    // Only throws before initialisation, which activate() just completed.
  }
  const threadNote =
    flags['WASM_HAS_MULTITHREAD_SUPPORT'] === true
      ? ''
      : tf.env().getBool('IS_NODE')
      ? ' (TF.js has no wasm threads in Node.js)'
      : ' (no SharedArrayBuffer / cross-origin isolation)';
  notes.unshift(
    `WebAssembly, SIMD ${simd ? 'on' : 'off'}, ${threads} thread${threads === '1' ? '' : 's'}${threadNote}`
  );
  return { ok: true, detail: notes.join('; ') };
}

/** Imports and activates the plain JavaScript backend. */
async function tryCpu(importer: PackageImporter): Promise<Attempt> {
  const outcome = await tryImport(importer, PKG.cpu);
  if (outcome.status === 'missing') return failed(PKG.cpu, 'missing', outcome.error, 'not installed');
  if (outcome.status === 'failed') return failed(PKG.cpu, 'failed', outcome.error);
  const error = await activate('cpu');
  if (error !== undefined) return failed(PKG.cpu, 'failed', error);
  return { ok: true, detail: 'plain JavaScript (slowest)' };
}

function describeFailures(failures: readonly Failure[]): string {
  return failures
    .map((f) => `${f.package}: ${f.kind === 'missing' ? 'not installed' : `failed to load (${f.summary})`}`)
    .join('; ');
}

/** The error to chain as `cause`: the first real load failure, else the first not-found error. */
function primaryCause(failures: readonly Failure[]): unknown {
  return (failures.find((f) => f.kind === 'failed') ?? failures[0])?.error;
}

function unavailable(message: string, failures: readonly Failure[]): BackendUnavailableError {
  const cause = primaryCause(failures);
  return new BackendUnavailableError(message, cause === undefined ? undefined : { cause });
}

/**
 * Selects and activates a TensorFlow.js backend, and reports what it did. Logs nothing
 * (TF.js itself may warn when a backend fails to initialise); print the report if wanted.
 *
 * - `auto`: `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (optional peers,
 *   used when the user installed them), else `wasm`, else `cpu`. A package that is
 *   installed but fails to load is skipped, and the report's `reason` says why.
 * - `tensorflow`: tfjs-node-gpu, then tfjs-node; neither usable is an error.
 * - `wasm`, `cpu`: exactly that backend.
 *
 * "Not installed" (module not found) is told apart from "installed but failed to load"
 * (e.g. a missing CUDA library); the latter's error is chained as the thrown error's
 * `cause`.
 *
 * @param choice - The backend wanted.
 * @param options - Importer injection and wasm settings.
 * @returns What was chosen and why.
 * @throws BackendUnavailableError when the requested backend (or, for `auto`, every
 *   candidate) cannot be used; for `tensorflow` with neither package installed, the
 *   message says how to install one. InvalidArgumentError for an unknown choice or a bad
 *   `wasmThreads`.
 */
export async function setBackend(choice: BackendChoice, options: SetBackendOptions = {}): Promise<BackendReport> {
  const choices: readonly string[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
  if (!choices.includes(choice)) {
    throw new InvalidArgumentError(`backend must be one of ${choices.join(', ')}; found ${JSON.stringify(choice)}`);
  }
  if (options.wasmThreads !== undefined && !(Number.isSafeInteger(options.wasmThreads) && options.wasmThreads >= 1)) {
    throw new InvalidArgumentError(`wasmThreads must be a positive integer, found ${options.wasmThreads}`);
  }
  const importer = options.importer ?? defaultImporter;
  const failures: Failure[] = [];
  const report = (chosen: BackendName, pkg: string, detail: string): BackendReport => {
    const passedOver = failures.length > 0 ? ` (passed over: ${describeFailures(failures)})` : '';
    return { requested: choice, chosen, package: pkg, reason: `${detail}${passedOver}` };
  };

  if (choice === 'auto' || choice === 'tensorflow') {
    for (const [pkg, name] of [
      [PKG.tfjsNodeGpu, 'tensorflow-gpu'],
      [PKG.tfjsNode, 'tensorflow'],
    ] as const) {
      const attempt = await tryNative(importer, pkg);
      if (attempt.ok) return report(name, pkg, attempt.detail);
      failures.push(attempt.failure);
    }
    if (choice === 'tensorflow') {
      const allMissing = failures.every((f) => f.kind === 'missing');
      throw unavailable(
        allMissing
          ? `backend 'tensorflow' needs ${PKG.tfjsNode} or ${PKG.tfjsNodeGpu}, and neither is installed. ${NATIVE_INSTALL_HINT}`
          : `backend 'tensorflow' is unavailable: ${describeFailures(failures)}. ` +
              "Reinstall the package for this platform and Node.js version, or choose the 'wasm' backend.",
        failures
      );
    }
  }

  if (choice === 'auto' || choice === 'wasm') {
    const attempt = await tryWasm(importer, options);
    if (attempt.ok) return report('wasm', PKG.wasm, attempt.detail);
    failures.push(attempt.failure);
    if (choice === 'wasm') {
      throw unavailable(`backend 'wasm' is unavailable: ${describeFailures(failures)}`, failures);
    }
  }

  const attempt = await tryCpu(importer);
  if (attempt.ok) return report('cpu', PKG.cpu, attempt.detail);
  failures.push(attempt.failure);
  throw unavailable(
    choice === 'cpu'
      ? `backend 'cpu' is unavailable: ${describeFailures(failures)}`
      : `no TensorFlow.js backend could be activated: ${describeFailures(failures)}`,
    failures
  );
}
