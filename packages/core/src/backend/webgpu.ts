/**
 * The WebGPU backend in Node.js: `@tensorflow/tfjs-backend-webgpu` on a `navigator.gpu`
 * that the `webgpu` npm package (Google's Dawn, prebuilt as `dawn.node`) provides.
 *
 * Findings for tfjs-backend-webgpu 4.22 and webgpu 0.6 (checked on Node 20, linux-x64):
 *
 * - tfjs-backend-webgpu registers its `webgpu` backend at import time only if
 *   `globalThis.navigator.gpu` exists then, and `WebGPUBackend`'s constructor throws unless
 *   it exists. It also uses the `GPUBufferUsage` / `GPUMapMode` / `GPUTextureUsage`
 *   globals. So `navigator.gpu` and those globals are installed before the backend is
 *   made, and the backend is registered here (with the adapter and device probed here)
 *   rather than by the package's own import-time hook.
 * - `webgpu` exports `create(dawnOptions)` (returns a `GPU`) and `globals` (the `GPU*`
 *   classes and constants). Its postinstall script only clears a macOS quarantine
 *   attribute; it downloads nothing.
 * - Dawn on Linux uses Vulkan. With no Vulkan driver, `requestAdapter()` resolves `null`
 *   (and Dawn prints a warning to stderr from native code, which JavaScript cannot
 *   silence). Mesa's lavapipe (software Vulkan) from Mesa 25 gives an adapter; Mesa 22.3's
 *   lavapipe (Debian 12) is refused by Dawn ("Vulkan shaderUniform*ArrayDynamicIndexing
 *   required"). A software adapter was measured about 10x slower than the wasm backend on
 *   convolutions, so `auto` passes over software adapters.
 * - Synchronous reads (`dataSync`, `arraySync`, `bufferSync`) of a tensor that lives on
 *   the GPU fail in Node.js: TF.js's WebGPU `readSync` goes through `OffscreenCanvas`,
 *   which Node lacks. (Tensors under `WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD`, 1000 elements,
 *   that were computed on the CPU read fine.) The backend made here turns that
 *   `ReferenceError` into a {@link BackendUnavailableError} that says to use `await
 *   tensor.data()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors/index.js';

/** The npm package with TF.js's WebGPU kernels. */
export const WEBGPU_BACKEND_PACKAGE = '@tensorflow/tfjs-backend-webgpu';
/** The npm package that provides `navigator.gpu` in Node.js (Dawn). */
export const DAWN_PACKAGE = 'webgpu';

/** The part of `GPUAdapterInfo` that ncomp reports. */
export interface WebGpuAdapterDescription {
  /** GPU vendor as the adapter reports it (e.g. `nvidia`, `mesa`), possibly empty. */
  readonly vendor: string;
  /** Architecture (e.g. `hopper`, `software`), possibly empty. */
  readonly architecture: string;
  /** Device name, possibly empty. */
  readonly device: string;
  /** Driver's description (e.g. `llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)`), possibly empty. */
  readonly description: string;
  /**
   * True for a software (CPU) implementation such as lavapipe/llvmpipe or SwiftShader:
   * WebGPU's `isFallbackAdapter`, architecture `software`, or a known software driver name.
   */
  readonly software: boolean;
}

/** Structural view of a `GPUAdapter`: only what is used here. */
interface AdapterLike {
  readonly features: { has(name: string): boolean };
  readonly limits: Readonly<Record<string, unknown>>;
  readonly info?: Readonly<Record<string, unknown>>;
  readonly isFallbackAdapter?: boolean;
  requestDevice(descriptor?: unknown): Promise<unknown>;
}

/** Structural view of `navigator.gpu`. */
interface GpuLike {
  requestAdapter(options?: unknown): Promise<AdapterLike | null>;
}

/** The parts of the `webgpu` (Dawn) package used here. */
interface DawnModule {
  create(options: string[]): GpuLike;
  readonly globals: Readonly<Record<string, unknown>>;
}

/** The parts of `@tensorflow/tfjs-backend-webgpu` used here. */
interface WebGpuBackendModule {
  readonly WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;
}

/** True when `mod` exports the `WebGPUBackend` class. */
export function isWebGpuBackendModule(mod: unknown): mod is WebGpuBackendModule {
  return typeof mod === 'object' && mod !== null && typeof (mod as Record<string, unknown>)['WebGPUBackend'] === 'function';
}

/** True when `mod` exports Dawn's `create` and `globals`. */
export function isDawnModule(mod: unknown): mod is DawnModule {
  if (typeof mod !== 'object' || mod === null) return false;
  const m = mod as Record<string, unknown>;
  return typeof m['create'] === 'function' && typeof m['globals'] === 'object' && m['globals'] !== null;
}

interface NavigatorHolder {
  navigator?: { gpu?: unknown };
}

/** The `navigator.gpu` already present (browser, Deno, or installed by the application). */
export function hostGpu(): GpuLike | undefined {
  const gpu = (globalThis as NavigatorHolder).navigator?.gpu;
  if (gpu === undefined || gpu === null || gpu === installed?.gpu) return undefined;
  return typeof (gpu as Partial<GpuLike>).requestAdapter === 'function' ? (gpu as GpuLike) : undefined;
}

/** What this module installed into `globalThis`, to remove it again. */
let installed: { readonly gpu: GpuLike; readonly createdNavigator: boolean } | undefined;
/** The adapter behind the active `webgpu` backend, once one was made here. */
let activeAdapter: WebGpuAdapterDescription | undefined;
/** Whether the `webgpu` backend factory in TF.js's registry is the one registered here. */
let ownFactory = false;

/** The `navigator.gpu` installed by {@link installDawnGpu}, if it is still installed. */
export function installedGpu(): GpuLike | undefined {
  return installed?.gpu;
}

/**
 * Creates a Dawn `GPU` and installs it as `globalThis.navigator.gpu`, with Dawn's `GPU*`
 * globals (only those not defined yet).
 *
 * @param dawn - The loaded `webgpu` package.
 * @param dawnOptions - Passed to `create()`, e.g. `['backend=vulkan']`.
 */
export function installDawnGpu(dawn: DawnModule, dawnOptions: readonly string[]): GpuLike {
  const gpu = dawn.create([...dawnOptions]);
  const g = globalThis as Record<string, unknown> & NavigatorHolder;
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in g)) g[key] = value;
  }
  const createdNavigator = g.navigator === undefined;
  if (createdNavigator) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true, enumerable: false });
  }
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true, enumerable: true });
  installed = { gpu, createdNavigator };
  return gpu;
}

/** Removes the `navigator.gpu` that {@link installDawnGpu} installed (and `navigator`, if it made it). */
export function uninstallDawnGpu(): void {
  if (installed === undefined) return;
  const g = globalThis as NavigatorHolder;
  if (g.navigator?.gpu === installed.gpu) {
    if (installed.createdNavigator) delete g.navigator;
    else delete g.navigator.gpu;
  }
  installed = undefined;
}

/** Reads the adapter's description (`adapter.info`, WebGPU's current API). */
export function describeAdapter(adapter: AdapterLike): WebGpuAdapterDescription {
  const info = adapter.info ?? {};
  const text = (key: string): string => (typeof info[key] === 'string' ? (info[key] as string) : '');
  const vendor = text('vendor');
  const architecture = text('architecture');
  const device = text('device');
  const description = text('description');
  const software =
    info['isFallbackAdapter'] === true ||
    adapter.isFallbackAdapter === true ||
    architecture === 'software' ||
    /llvmpipe|lavapipe|swiftshader|software rasterizer/i.test(`${device} ${description}`);
  return { vendor, architecture, device, description, software };
}

/** A one-line name for an adapter, for reports. */
export function adapterLabel(a: WebGpuAdapterDescription): string {
  const parts = [a.description || a.device, a.vendor && `vendor ${a.vendor}`, a.architecture && `architecture ${a.architecture}`];
  const label = parts.filter((p) => p !== '').join(', ');
  return label === '' ? 'an unnamed adapter' : label;
}

/**
 * Requests a device as tfjs-backend-webgpu's own factory does (the adapter's limits for
 * the sizes its kernels use, and `timestamp-query` / `bgra8unorm-storage` when offered).
 */
export async function requestDevice(adapter: AdapterLike): Promise<unknown> {
  const requiredFeatures = ['timestamp-query', 'bgra8unorm-storage'].filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, unknown> = {};
  for (const key of [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
  ]) {
    if (adapter.limits[key] !== undefined) requiredLimits[key] = adapter.limits[key];
  }
  return adapter.requestDevice({ requiredFeatures, requiredLimits });
}

/**
 * Registers TF.js's `webgpu` backend on `device` (replacing a factory that was never
 * initialised, e.g. the package's own import-time one).
 */
export function registerWebGpuBackend(mod: WebGpuBackendModule, device: unknown, adapter: AdapterLike): void {
  if (tf.engine().registryFactory['webgpu'] !== undefined) tf.removeBackend('webgpu');
  // Priority 3, as the package's own registration uses.
  tf.registerBackend('webgpu', () => withClearReadSyncError(new mod.WebGPUBackend(device, adapter.info)), 3);
  ownFactory = true;
}

/**
 * Makes a failed synchronous GPU read say what happened and what to do, instead of
 * `ReferenceError: OffscreenCanvas is not defined`.
 */
function withClearReadSyncError(backend: tf.KernelBackend): tf.KernelBackend {
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    try {
      return readSync(dataId);
    } catch (error) {
      if (error instanceof ReferenceError && /OffscreenCanvas/.test(error.message)) {
        throw new BackendUnavailableError(
          'the webgpu backend cannot read a GPU tensor synchronously (dataSync / arraySync / bufferSync) in ' +
            "Node.js: TF.js's WebGPU readSync needs OffscreenCanvas. The code must use `await tensor.data()`; " +
            "until it does, choose the 'wasm' or 'tensorflow' backend for it.",
          { cause: error },
        );
      }
      throw error;
    }
  };
  return backend;
}

/** Records the adapter behind the active `webgpu` backend, for `describeBackend`. */
export function rememberWebGpuAdapter(a: WebGpuAdapterDescription): void {
  activeAdapter = a;
}

/** The adapter behind the `webgpu` backend made by `setBackend`, if any. */
export function webGpuAdapter(): WebGpuAdapterDescription | undefined {
  return activeAdapter;
}

/** True when TF.js's `webgpu` backend exists and is initialised. */
export function webGpuInitialised(): boolean {
  return tf.engine().registry['webgpu'] !== undefined;
}

/**
 * Forgets everything this module did: removes the `webgpu` backend it registered and the
 * `navigator.gpu` it installed. For tests, which simulate several machines in one process.
 */
export function resetWebGpuForTests(): void {
  if (ownFactory && tf.engine().registryFactory['webgpu'] !== undefined) tf.removeBackend('webgpu');
  ownFactory = false;
  activeAdapter = undefined;
  uninstallDawnGpu();
}
