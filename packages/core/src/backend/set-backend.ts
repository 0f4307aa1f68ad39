/**
 * Choosing the TensorFlow.js backend. In Node.js: native TensorFlow when the user
 * installed it, else WebAssembly, else plain JavaScript (WebGPU on request). In a
 * browser: WebGPU on a hardware adapter, else WebGL on a GPU, else WebAssembly, else
 * plain JavaScript, among the packages the bundle provides.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, InvalidArgumentError } from '../errors/index.js';
import type { PackageImporter } from './import-package.js';
import { importerFor, tryImport } from './import-package.js';
import { activate, failed, type Attempt, type Failure } from './attempt.js';
import { detectRuntime, type Runtime } from './runtime.js';
import { WEBGL_BACKEND_PACKAGE, tryWebgl } from './webgl.js';
import type { WasmBackendModule } from './wasm-module.js';
import { isWasmBackendModule, rememberWasmModule } from './wasm-module.js';
import type * as GpuDevices from './gpu-devices.js';
import type * as WasmThreads from './wasm-threads.js';
import type { NodeWasmThreading } from './wasm-threads.js';
import { registerWasmKernels } from '../kernels/wasm-kernels.js';
import { registerWebGpuKernels } from '../kernels/webgpu-kernels.js';
import {
  DAWN_PACKAGE,
  WEBGPU_BACKEND_PACKAGE,
  adapterLabel,
  describeAdapter,
  hostGpu,
  installDawnGpu,
  installedGpu,
  isDawnModule,
  isWebGpuBackendModule,
  registerWebGpuBackend,
  rememberWebGpuAdapter,
  requestDevice,
  uninstallDawnGpu,
  webGpuAdapter,
  webGpuInitialised,
} from './webgpu.js';

/**
 * What the caller asks for. `tensorflow` means native libtensorflow, GPU build preferred
 * (Node.js only); `webgpu` means TF.js's WebGPU backend (in Node.js on Dawn from the
 * `webgpu` package); `webgl` means TF.js's WebGL 2 backend (browsers only).
 */
export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * Every {@link BackendChoice}, in the order `auto` tries them (after `auto` itself), for
 * option parsers and help texts.
 */
export const BACKEND_CHOICES: readonly BackendChoice[] = Object.freeze(['auto', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu']);

/** What was activated. `tensorflow-gpu` is the TF.js `tensorflow` backend from tfjs-node-gpu. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

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
   * How packages are imported (default: the loaders registered with
   * `provideBackendPackage`, else in Node.js a dynamic `import()`). Tests inject one to
   * simulate installed, missing or broken packages.
   */
  readonly importer?: PackageImporter;
  /**
   * Threads for the wasm backend's XNNPACK pool, a positive integer. Applied only before
   * the wasm backend first initialises.
   *
   * - Node.js: default the environment variable `NCOMP_WASM_THREADS` when set, else the
   *   cores the machine leaves idle (logical cores minus the load average, 1 to 4: on a busy
   *   machine threads wait for each other); at most 8 (TF.js's pool size). Every thread
   *   count gives the same bits.
   *   Above 1, ncomp loads TF.js's threaded SIMD build on
   *   `worker_threads` (see `wasm-threads.ts`; TF.js itself keeps it off in Node.js); `1`
   *   loads the single-threaded SIMD build and starts no workers. When the threaded build
   *   cannot load, the single-threaded one is used and the report says why. With
   *   `wasmPaths`, TF.js's own (single-threaded) loader is used.
   * - Browsers: TF.js's own threads, which need cross-origin isolation; default TF.js's
   *   (half of `navigator.hardwareConcurrency`, 1 to 8).
   */
  readonly wasmThreads?: number;
  /**
   * Where the `.wasm` binaries are (a directory prefix ending in `/`, or a map from file
   * name to URL), passed to `setWasmPaths`. Not needed in Node.js, where the package finds
   * its own binaries; needed in a browser, where the bundle is served apart from them:
   * serve `tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm` and (for threads, on a
   * cross-origin isolated page) `tfjs-backend-wasm-threaded-simd.wasm` from that prefix.
   */
  readonly wasmPaths?: string | Readonly<Record<string, string>>;
  /**
   * Options for Dawn's `create()` when ncomp provides `navigator.gpu` from the `webgpu`
   * package (Node.js), e.g. `['backend=vulkan']` or `['adapter=<name>']`; see the
   * `webgpu` package's README. Unused when `navigator.gpu` already exists (a browser, or
   * the application installed one) and once the `webgpu` backend is initialised.
   */
  readonly dawnOptions?: readonly string[];
  /**
   * Whether `auto` may pick `webgpu` (for a hardware adapter). Default: true in a browser;
   * false in Node.js, where a WebGPU tensor cannot be read synchronously, so table
   * building (model loading) needs `onReadableBackend` and training's synchronous reads
   * fail; there `auto` passes webgpu over (saying so) unless this is true.
   */
  readonly autoWebgpu?: boolean;
  /**
   * Node.js on Linux: whether `auto` first looks for a GPU device node (`/dev/dri/renderD*`,
   * `/dev/nvidia<N>`, `/dev/dxg` under WSL 2) and, finding none, passes WebGPU over
   * without starting Dawn: Dawn could only find a software adapter there, which `auto`
   * refuses anyway, and it prints its Vulkan warnings to stderr from native code when it
   * looks. Default true; false starts Dawn regardless. An explicit `webgpu` always starts it.
   */
  readonly gpuDeviceCheck?: boolean;
  /**
   * The runtime to choose for (default: detected, see `detectRuntime`). Node.js tries
   * native TensorFlow and can provide WebGPU through Dawn; a browser tries WebGL, loads
   * only the packages its bundle provides, and its errors say what to import instead of
   * what to install. Tests set it to simulate the other runtime.
   */
  readonly runtime?: Runtime;
}

/** Package names. */
const PKG = {
  tfjsNodeGpu: '@tensorflow/tfjs-node-gpu',
  tfjsNode: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
  webgpu: WEBGPU_BACKEND_PACKAGE,
  webgl: WEBGL_BACKEND_PACKAGE,
  dawn: DAWN_PACKAGE,
} as const;

const NATIVE_INSTALL_HINT =
  `Install one with \`npm install ${PKG.tfjsNode}\` (or \`npm install ${PKG.tfjsNodeGpu}\` for CUDA GPUs); ` +
  'its install step downloads the native libtensorflow library (a few hundred MB), so it needs network ' +
  'access and a platform for which libtensorflow is published.';

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
        'that @ncomp/core uses; install matching versions so npm dedupes @tensorflow/tfjs-core',
    );
    return failed(pkg, 'failed', error);
  }
  const error = await activate('tensorflow');
  if (error !== undefined) return failed(pkg, 'failed', error);
  return { ok: true, detail: `${pkg} loaded (native libtensorflow${pkg === PKG.tfjsNodeGpu ? ' with CUDA' : ''})` };
}

const JS_INSTALL_HINT =
  `@ncomp/core installs no backend by itself (they are optional peers): \`npm install ${PKG.wasm}\` ` +
  `(WebAssembly, the usual choice; it brings ${PKG.cpu}) or \`npm install ${PKG.cpu}\` (plain JavaScript).`;

const BROWSER_IMPORT_HINT =
  "A browser bundle holds only the backends it imports: import '@ncomp/core/browser' (wasm, webgl, webgpu and cpu) " +
  "or '@ncomp/core/browser/<backend>' (one of wasm, webgl, webgpu, cpu) once, before setBackend.";

/**
 * The hint to add when every JavaScript backend asked for is missing (not installed, or
 * in a browser not in the bundle), else ''.
 */
function jsInstallHint(failures: readonly Failure[], runtime: Runtime): string {
  // wasm and cpu decide (the last resorts); webgl only when it alone was asked for.
  const lastResorts = failures.filter((f) => f.package === PKG.wasm || f.package === PKG.cpu);
  const js = lastResorts.length > 0 ? lastResorts : failures.filter((f) => f.package === PKG.webgl);
  if (js.length === 0 || !js.every((f) => f.kind === 'missing')) return '';
  return `. ${runtime === 'browser' ? BROWSER_IMPORT_HINT : JS_INSTALL_HINT}`;
}

const WEBGPU_INSTALL_HINT =
  `Install them with \`npm install ${PKG.webgpu} ${PKG.dawn}\` (plain npm packages: ${PKG.dawn} ships a prebuilt ` +
  'Dawn for linux-x64, linux-arm64, macOS and Windows, and its install step downloads nothing).';

const NO_ADAPTER_HINT =
  "Dawn found no GPU it can use. On Linux it needs Vulkan: the GPU vendor's driver with its Vulkan ICD " +
  '(for NVIDIA the proprietary driver, which includes it) and the Vulkan loader (libvulkan1); ' +
  "`vulkaninfo --summary` lists what Vulkan sees, and Dawn's warnings on stderr may say why an adapter was refused. " +
  "Without a GPU, choose 'wasm'.";

const BROWSER_NO_ADAPTER_HINT =
  'The browser offers WebGPU but gave no adapter (the GPU or its driver is blocked, or WebGPU is off for this machine; ' +
  "chrome://gpu says why in Chromium). Choose 'webgl' or 'wasm'.";

const NO_BROWSER_WEBGPU =
  'this browser offers no WebGPU (navigator.gpu is undefined: WebGPU needs a secure context, https or localhost, ' + 'and a browser that enables it)';

const NO_GPU_DEVICE =
  "no GPU device on this machine (no /dev/dri/renderD*, /dev/nvidia<N> or /dev/dxg), so Dawn was not started; choose 'webgpu' to use a software adapter";

const DAWN_SOURCE = `navigator.gpu from ${PKG.dawn} (Dawn)`;
const SOFTWARE_NOTE = ' (a software adapter: expect it to be slower than wasm)';

/**
 * Finds a WebGPU adapter and activates the `webgpu` backend on it. `auto` passes over a
 * missing package, a missing adapter and a software adapter; an explicit `webgpu`
 * accepts a software adapter (saying so).
 */
async function tryWebgpu(importer: PackageImporter, options: SetBackendOptions, auto: boolean, runtime: Runtime): Promise<Attempt> {
  if (runtime === 'browser' && !webGpuInitialised() && hostGpu() === undefined) {
    return failed(PKG.webgpu, 'unusable', undefined, NO_BROWSER_WEBGPU);
  }
  if (webGpuInitialised()) {
    const error = await activate('webgpu');
    if (error !== undefined) return failed(PKG.webgpu, 'failed', error);
    const a = webGpuAdapter();
    if (a === undefined) return { ok: true, detail: 'WebGPU (initialised before ncomp chose it)' };
    return { ok: true, detail: `WebGPU on ${adapterLabel(a)}${a.software ? SOFTWARE_NOTE : ''}` };
  }
  const outcome = await tryImport(importer, PKG.webgpu);
  if (outcome.status === 'failed') return failed(PKG.webgpu, 'failed', outcome.error);
  if (outcome.status === 'loaded' && !isWebGpuBackendModule(outcome.module)) {
    return failed(PKG.webgpu, 'failed', new Error(`${PKG.webgpu} does not export WebGPUBackend`));
  }
  // Where does navigator.gpu come from: the host, an earlier call, or the webgpu package.
  let gpu = hostGpu() ?? installedGpu();
  let source = gpu === undefined ? '' : installedGpu() === gpu ? DAWN_SOURCE : "the host's navigator.gpu";
  let installedHere = false;
  if (gpu === undefined && !(auto && outcome.status === 'missing')) {
    if (auto && runtime === 'node' && options.gpuDeviceCheck !== false && (await gpuDeviceNodesIfNode())?.length === 0) {
      return failed(PKG.webgpu, 'unusable', undefined, NO_GPU_DEVICE);
    }
    const dawn = await tryImport(importer, PKG.dawn);
    if (dawn.status === 'missing' || outcome.status === 'missing') {
      const missing = [outcome.status === 'missing' ? PKG.webgpu : undefined, dawn.status === 'missing' ? PKG.dawn : undefined].filter((p) => p !== undefined);
      const first = outcome.status === 'missing' ? outcome : dawn;
      const error = 'error' in first ? first.error : undefined;
      return failed(missing.join(' and '), 'missing', error, 'not installed');
    }
    if (dawn.status === 'failed') return failed(PKG.dawn, 'failed', dawn.error);
    if (!isDawnModule(dawn.module)) {
      return failed(PKG.dawn, 'failed', new Error(`${PKG.dawn} does not export create() and globals`));
    }
    try {
      gpu = installDawnGpu(dawn.module, options.dawnOptions ?? []);
    } catch (error) {
      return failed(PKG.dawn, 'failed', error);
    }
    installedHere = true;
    source = DAWN_SOURCE;
  }
  if (outcome.status === 'missing' || gpu === undefined) {
    return failed(PKG.webgpu, 'missing', outcome.status === 'missing' ? outcome.error : undefined, 'not installed');
  }
  const mod = outcome.module as Parameters<typeof registerWebGpuBackend>[0];
  const giveUp = (attempt: Attempt): Attempt => {
    if (installedHere) uninstallDawnGpu();
    return attempt;
  };
  let adapter: Awaited<ReturnType<typeof gpu.requestAdapter>>;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return giveUp(failed(PKG.webgpu, 'failed', error));
  }
  if (adapter === null || adapter === undefined) {
    return giveUp(failed(PKG.webgpu, 'unusable', undefined, `no WebGPU adapter found (${source}: requestAdapter() returned null)`));
  }
  const described = describeAdapter(adapter);
  if (auto && described.software) {
    return giveUp(
      failed(PKG.webgpu, 'unusable', undefined, `only a software adapter (${adapterLabel(described)}), slower than wasm; choose 'webgpu' to use it anyway`),
    );
  }
  let device: unknown;
  try {
    device = await requestDevice(adapter);
  } catch (error) {
    return giveUp(failed(PKG.webgpu, 'failed', error));
  }
  registerWebGpuBackend(mod, device, adapter);
  registerWebGpuKernels();
  const error = await activate('webgpu');
  if (error !== undefined) return giveUp(failed(PKG.webgpu, 'failed', error));
  rememberWebGpuAdapter(described);
  return { ok: true, detail: `WebGPU on ${adapterLabel(described)}${described.software ? SOFTWARE_NOTE : ''}; ${source}` };
}

/**
 * `gpuDeviceNodes` of `gpu-devices.ts`, loaded only in Node.js (it uses `node:` modules;
 * the specifier is computed so that browser bundlers leave the file out).
 */
async function gpuDeviceNodesIfNode(): Promise<readonly string[] | undefined> {
  if (!tf.env().getBool('IS_NODE')) return undefined;
  const specifier = './gpu-devices.js';
  const devices = (await import(/* @vite-ignore */ specifier)) as typeof GpuDevices;
  return devices.gpuDeviceNodes();
}

/**
 * `enableNodeWasmThreads` of `wasm-threads.ts`, loaded only in Node.js (it uses `node:`
 * modules): the specifier is computed so that browser bundlers leave the file out.
 */
async function enableNodeWasmThreadsIfNode(mod: WasmBackendModule, requested: number | undefined): Promise<NodeWasmThreading | undefined> {
  if (!tf.env().getBool('IS_NODE')) return undefined;
  const specifier = './wasm-threads.js';
  const threads = (await import(/* @vite-ignore */ specifier)) as typeof WasmThreads;
  return threads.enableNodeWasmThreads(mod, requested);
}

/** Imports and activates the wasm backend, applying thread and path options. */
async function tryWasm(importer: PackageImporter, options: SetBackendOptions): Promise<Attempt> {
  const outcome = await tryImport(importer, PKG.wasm);
  if (outcome.status === 'missing') return failed(PKG.wasm, 'missing', outcome.error, 'not installed');
  if (outcome.status === 'failed') return failed(PKG.wasm, 'failed', outcome.error);
  const mod = outcome.module;
  if (!isWasmBackendModule(mod)) {
    return failed(PKG.wasm, 'failed', new Error(`${PKG.wasm} does not export setWasmPaths / setThreadsCount / getThreadsCount`));
  }
  rememberWasmModule(mod);
  registerWasmKernels();
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
  let threading: NodeWasmThreading | undefined;
  if (alreadyInitialised) {
    if (options.wasmThreads !== undefined) notes.push('thread count unchanged (the wasm backend was already initialised)');
  } else if (paths !== undefined && tf.env().getBool('IS_NODE')) {
    // The threaded build is loaded from the package's own files, which wasmPaths replaces.
    if (options.wasmThreads !== undefined) mod.setThreadsCount(options.wasmThreads);
  } else {
    threading = await enableNodeWasmThreadsIfNode(mod, options.wasmThreads);
    if (threading === undefined && options.wasmThreads !== undefined) mod.setThreadsCount(options.wasmThreads);
  }
  const error = await activate('wasm');
  if (error !== undefined) return failed(PKG.wasm, 'failed', error);
  notes.unshift(describeWasm(mod, threading, paths !== undefined));
  return { ok: true, detail: notes.join('; ') };
}

/** The first line of the wasm report: SIMD, threads, and why there is only one where that is so. */
function describeWasm(mod: WasmBackendModule, threading: NodeWasmThreading | undefined, withPaths: boolean): string {
  const flags = tf.env().getFlags();
  const simd = flags['WASM_HAS_SIMD_SUPPORT'] === true;
  let threads = '?';
  try {
    threads = String(mod.getThreadsCount());
  } catch {
    // Only throws before initialisation, which activate() just completed.
  }
  let threadNote = '';
  const machine = threading?.source === 'default' ? threading.machine : undefined;
  const others = machine?.claimed ? `, ${machine.claimed} thread${machine.claimed === 1 ? '' : 's'} of other ncomp processes` : '';
  const idle = machine ? `default: ${machine.cores} cores, load average ${machine.load.toFixed(2)}${others}` : '';
  if (flags['WASM_HAS_MULTITHREAD_SUPPORT'] === true) {
    threadNote = tf.env().getBool('IS_NODE') ? ` (worker_threads${idle === '' ? '' : `; ${idle}`})` : '';
  } else if (!tf.env().getBool('IS_NODE')) {
    threadNote = ' (the page is not cross-origin isolated, so no SharedArrayBuffer: serve it with COOP / COEP headers for threads)';
  } else if (threading?.failure() !== undefined) {
    threadNote = ` (threads unavailable: ${threading.failure()})`;
  } else if (threading?.requested === 1) {
    threadNote = {
      option: ' (wasmThreads: 1)',
      env: ' (NCOMP_WASM_THREADS=1)',
      default: ` (${idle === '' ? 'default' : idle}: no idle core for a second thread; wasmThreads or NCOMP_WASM_THREADS sets more)`,
    }[threading.source];
  } else if (withPaths) {
    threadNote = " (wasmPaths given: TF.js's single-threaded loader)";
  }
  return `WebAssembly, SIMD ${simd ? 'on' : 'off'}, ${threads} thread${threads === '1' ? '' : 's'}${threadNote}`;
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
    .map((f) => `${f.package}: ${f.kind === 'missing' ? 'not installed' : f.kind === 'unusable' ? f.summary : `failed to load (${f.summary})`}`)
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
 * In Node.js:
 * - `auto`: `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (optional peers,
 *   used when the user installed them), then (only with `autoWebgpu: true`) `webgpu` when
 *   its packages are installed and `requestAdapter()` finds a hardware adapter, else
 *   `wasm`, else `cpu`. A package that is installed but fails to load, a missing or
 *   software-only WebGPU adapter, is passed over, and the report's `reason` says why.
 * - `tensorflow`: tfjs-node-gpu, then tfjs-node; neither usable is an error.
 * - `webgpu`: `@tensorflow/tfjs-backend-webgpu` (optional peer) on `navigator.gpu`, which
 *   in Node.js the `webgpu` package (Dawn, optional peer) provides when the host has
 *   none. Any adapter is accepted, a software one included (the report says so).
 * - `webgl`: an error (WebGL is a browser API).
 *
 * In a browser (packages come from the bundle: import `@ncomp/core/browser` first):
 * - `auto`: `webgpu` on a hardware adapter (unless `autoWebgpu: false`), else `webgl` on
 *   a GPU renderer with 32-bit float textures, else `wasm` (threaded when the page is
 *   cross-origin isolated), else `cpu`; each pass-over is in the report's `reason`.
 * - `webgpu`, `webgl`: that backend, a software adapter or renderer included.
 * - `tensorflow`: an error (native TensorFlow is for Node.js).
 *
 * Everywhere, `wasm` and `cpu` mean exactly that backend. "Not installed" (module not
 * found, or not in the bundle) is told apart from "installed but failed to load" (e.g. a
 * missing CUDA library); the latter's error is chained as the thrown error's `cause`.
 *
 * @param choice - The backend wanted.
 * @param options - Importer injection, runtime, and wasm and WebGPU settings.
 * @returns What was chosen and why.
 * @throws BackendUnavailableError when the requested backend (or, for `auto`, every
 *   candidate) cannot be used; for a package not installed (in a browser: not bundled),
 *   the message names it and says how to install (import) it; for `webgpu` with no
 *   adapter, it says so and points at GPU drivers / Vulkan (in a browser: at the
 *   browser's GPU settings). InvalidArgumentError for an unknown choice or a bad
 *   `wasmThreads`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 *
 * const report = await setBackend('auto'); // native TensorFlow if installed, else wasm, else cpu
 * console.log(`${report.chosen} (${report.package}): ${report.reason}`);
 * assert.equal(tf.getBackend(), report.chosen === 'tensorflow-gpu' ? 'tensorflow' : report.chosen);
 * ```
 */
export async function setBackend(choice: BackendChoice, options: SetBackendOptions = {}): Promise<BackendReport> {
  const choices: readonly string[] = BACKEND_CHOICES;
  if (!choices.includes(choice)) {
    throw new InvalidArgumentError(`backend must be one of ${choices.join(', ')}; found ${JSON.stringify(choice)}`);
  }
  if (options.wasmThreads !== undefined && !(Number.isSafeInteger(options.wasmThreads) && options.wasmThreads >= 1)) {
    throw new InvalidArgumentError(`wasmThreads must be a positive integer, found ${options.wasmThreads}`);
  }
  const runtime = options.runtime ?? detectRuntime();
  const run: Run = { choice, options, runtime, importer: options.importer ?? importerFor(runtime), failures: [] };
  if (runtime === 'browser' && choice === 'tensorflow') throw new BackendUnavailableError(TENSORFLOW_IN_BROWSER);
  if (runtime === 'node' && choice === 'webgl') throw new BackendUnavailableError(WEBGL_IN_NODE);
  const steps = runtime === 'node' ? [nativeStep, webgpuStep, wasmStep] : [webgpuStep, webglStep, wasmStep];
  for (const step of steps) {
    const report = await step(run);
    if (report !== undefined) return report;
  }
  return cpuStep(run);
}

/** One `setBackend` call in progress: what was asked, and the candidates passed over so far. */
interface Run {
  readonly choice: BackendChoice;
  readonly options: SetBackendOptions;
  readonly runtime: Runtime;
  readonly importer: PackageImporter;
  readonly failures: Failure[];
}

/** A step of `setBackend`: a report when it activated its backend, undefined to go on; throws when the choice was its own and failed. */
type Step = (run: Run) => Promise<BackendReport | undefined>;

const TENSORFLOW_IN_BROWSER =
  "backend 'tensorflow' is native TensorFlow for Node.js (tfjs-node) and does not exist in a browser; choose 'auto', 'webgpu', 'webgl' or 'wasm'";
const WEBGL_IN_NODE =
  "backend 'webgl' needs a browser's WebGL 2 (TF.js's webgl backend does not run in Node.js); in Node.js choose 'auto', 'wasm', 'tensorflow' or 'webgpu'";

function reportOf(run: Run, chosen: BackendName, pkg: string, detail: string): BackendReport {
  const passedOver = run.failures.length > 0 ? ` (passed over: ${describeFailures(run.failures)})` : '';
  return { requested: run.choice, chosen, package: pkg, reason: `${detail}${passedOver}` };
}

/** Native TensorFlow (Node.js): tfjs-node-gpu, then tfjs-node. */
const nativeStep: Step = async (run) => {
  if (run.choice !== 'auto' && run.choice !== 'tensorflow') return undefined;
  for (const [pkg, name] of [
    [PKG.tfjsNodeGpu, 'tensorflow-gpu'],
    [PKG.tfjsNode, 'tensorflow'],
  ] as const) {
    const attempt = await tryNative(run.importer, pkg);
    if (attempt.ok) return reportOf(run, name, pkg, attempt.detail);
    run.failures.push(attempt.failure);
  }
  if (run.choice === 'auto') return undefined;
  const allMissing = run.failures.every((f) => f.kind === 'missing');
  throw unavailable(
    allMissing
      ? `backend 'tensorflow' needs ${PKG.tfjsNode} or ${PKG.tfjsNodeGpu}, and neither is installed. ${NATIVE_INSTALL_HINT}`
      : `backend 'tensorflow' is unavailable: ${describeFailures(run.failures)}. ` +
          "Reinstall the package for this platform and Node.js version, or choose the 'wasm' backend.",
    run.failures,
  );
};

/** The error for an explicit `webgpu` that failed, in the runtime's terms. */
function webgpuError(f: Failure, run: Run): BackendUnavailableError {
  const browser = run.runtime === 'browser';
  if (f.kind === 'missing') {
    return unavailable(
      browser
        ? `backend 'webgpu' needs ${PKG.webgpu}, which is not in this bundle. ${BROWSER_IMPORT_HINT}`
        : `backend 'webgpu' needs ${PKG.webgpu} and, in Node.js, ${PKG.dawn} (Dawn); ${f.package} ${
            f.package.includes(' and ') ? 'are' : 'is'
          } not installed. ${WEBGPU_INSTALL_HINT}`,
      run.failures,
    );
  }
  if (f.kind === 'unusable') {
    const hint = browser ? (f.summary === NO_BROWSER_WEBGPU ? "Choose 'webgl' or 'wasm'." : BROWSER_NO_ADAPTER_HINT) : NO_ADAPTER_HINT;
    return unavailable(`backend 'webgpu' is unavailable: ${f.summary}. ${hint}`, run.failures);
  }
  return unavailable(`backend 'webgpu' is unavailable: ${describeFailures(run.failures)}`, run.failures);
}

/** WebGPU: always for an explicit `webgpu`; for `auto` unless `autoWebgpu` says no (the default in Node.js). */
const webgpuStep: Step = async (run) => {
  if (run.choice !== 'auto' && run.choice !== 'webgpu') return undefined;
  if (run.choice === 'auto' && !(run.options.autoWebgpu ?? run.runtime === 'browser')) {
    run.failures.push({
      package: PKG.webgpu,
      kind: 'unusable',
      error: undefined,
      summary:
        run.runtime === 'node'
          ? "not tried by auto (in Node.js a WebGPU tensor cannot be read synchronously, which table building and training need; choose 'webgpu' explicitly)"
          : 'not tried by auto (autoWebgpu: false)',
    });
    return undefined;
  }
  const attempt = await tryWebgpu(run.importer, run.options, run.choice === 'auto', run.runtime);
  if (attempt.ok) return reportOf(run, 'webgpu', PKG.webgpu, attempt.detail);
  run.failures.push(attempt.failure);
  if (run.choice === 'webgpu') throw webgpuError(attempt.failure, run);
  return undefined;
};

/** WebGL 2 (browsers). */
const webglStep: Step = async (run) => {
  if (run.choice !== 'auto' && run.choice !== 'webgl') return undefined;
  const attempt = await tryWebgl(run.importer, run.choice === 'auto');
  if (attempt.ok) return reportOf(run, 'webgl', PKG.webgl, attempt.detail);
  run.failures.push(attempt.failure);
  if (run.choice === 'webgl') {
    throw unavailable(`backend 'webgl' is unavailable: ${describeFailures(run.failures)}${jsInstallHint(run.failures, run.runtime)}`, run.failures);
  }
  return undefined;
};

/** WebAssembly. */
const wasmStep: Step = async (run) => {
  if (run.choice !== 'auto' && run.choice !== 'wasm') return undefined;
  const attempt = await tryWasm(run.importer, run.options);
  if (attempt.ok) return reportOf(run, 'wasm', PKG.wasm, attempt.detail);
  run.failures.push(attempt.failure);
  if (run.choice === 'wasm') {
    throw unavailable(`backend 'wasm' is unavailable: ${describeFailures(run.failures)}${jsInstallHint(run.failures, run.runtime)}`, run.failures);
  }
  return undefined;
};

/** Plain JavaScript, the last resort of `auto`. */
async function cpuStep(run: Run): Promise<BackendReport> {
  const attempt = await tryCpu(run.importer);
  if (attempt.ok) return reportOf(run, 'cpu', PKG.cpu, attempt.detail);
  run.failures.push(attempt.failure);
  const hint = jsInstallHint(run.failures, run.runtime);
  throw unavailable(
    run.choice === 'cpu'
      ? `backend 'cpu' is unavailable: ${describeFailures(run.failures)}${hint}`
      : `no TensorFlow.js backend could be activated: ${describeFailures(run.failures)}${hint}`,
    run.failures,
  );
}
