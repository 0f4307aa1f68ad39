import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, InvalidArgumentError } from '../errors/index.js';
import type { PackageImporter } from './index.js';
import { BACKEND_CHOICES, defaultImporter, describeBackend, isModuleNotFound, setBackend } from './index.js';
import { gpuDeviceNodes } from './gpu-devices.js';
import { resetWebGpuForTests } from './webgpu.js';

const GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';
const WASM = '@tensorflow/tfjs-backend-wasm';
const CPU = '@tensorflow/tfjs-backend-cpu';
const WEBGPU = '@tensorflow/tfjs-backend-webgpu';
const DAWN = 'webgpu';

/** Whether a tfjs-node package is really installed (then the "real import" tests do not apply). */
function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const NATIVE_INSTALLED = installed(NODE) || installed(GPU);

/** The error Node's ESM loader throws for a package that is not installed. */
function notFound(spec: string): Error {
  return Object.assign(new Error(`Cannot find package '${spec}' imported from /app/node_modules/@ncomp/core/dist/x.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

/** A stand-in for tfjs-node: importing it registers a 'tensorflow' backend, as the real one does. */
async function fakeNativePackage(): Promise<unknown> {
  if (tf.engine().registryFactory['tensorflow'] === undefined) {
    tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
  }
  return { version: 'fake' };
}

type Behaviour = 'missing' | 'native' | Error | 'real' | 'empty' | { readonly module: unknown };

/** An importer where each package is missing, a fake native package, broken (throws), a given module, or real. */
function importer(table: Partial<Record<string, Behaviour>>, calls: string[] = []): PackageImporter {
  return async (spec) => {
    calls.push(spec);
    const behaviour = table[spec] ?? 'real';
    if (behaviour === 'missing') throw notFound(spec);
    if (behaviour === 'native') return fakeNativePackage();
    if (behaviour === 'empty') return {};
    if (behaviour === 'real') return defaultImporter(spec);
    if (!(behaviour instanceof Error)) return behaviour.module;
    throw behaviour;
  };
}

/** The simulated machines' WebGPU adapters. */
interface FakeAdapterSpec {
  readonly info: Record<string, unknown>;
  readonly deviceError?: Error;
}

/** What the fake Dawn and the fake WebGPU backend saw. */
interface FakeWebGpuLog {
  readonly createOptions: string[][];
  readonly adapterRequests: unknown[];
  readonly deviceRequests: unknown[];
  readonly backends: Array<{ device: unknown; info: unknown }>;
}

/**
 * Fake `webgpu` (Dawn) and `@tensorflow/tfjs-backend-webgpu` modules: Dawn's `create()`
 * returns a GPU whose `requestAdapter()` gives `adapter` (or null, or throws); the
 * "WebGPU backend" computes with the cpu kernels. `failReadSync` makes its readSync throw
 * as TF.js's does in Node.js for a GPU tensor.
 */
function fakeWebGpu(adapter: FakeAdapterSpec | null | Error, opts: { failReadSync?: boolean } = {}) {
  const log: FakeWebGpuLog = { createOptions: [], adapterRequests: [], deviceRequests: [], backends: [] };
  const gpu = {
    requestAdapter: async (options: unknown) => {
      log.adapterRequests.push(options);
      if (adapter instanceof Error) throw adapter;
      if (adapter === null) return null;
      return {
        info: adapter.info,
        features: new Set(['timestamp-query', 'shader-f16']),
        limits: { maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 1 << 27, maxTextureDimension2D: 8192 },
        requestDevice: async (descriptor: unknown) => {
          log.deviceRequests.push(descriptor);
          if (adapter.deviceError !== undefined) throw adapter.deviceError;
          return { fake: 'device' };
        },
      };
    },
  };
  const dawn = {
    create: (options: string[]) => {
      log.createOptions.push(options);
      return gpu;
    },
    globals: {},
  };
  class FakeWebGPUBackend extends MathBackendCPU {
    constructor(device: unknown, info: unknown) {
      super();
      log.backends.push({ device, info });
    }
    override readSync(dataId: object) {
      if (opts.failReadSync === true) throw new ReferenceError('OffscreenCanvas is not defined');
      return super.readSync(dataId);
    }
  }
  return { log, gpu, table: { [WEBGPU]: { module: { WebGPUBackend: FakeWebGPUBackend } }, [DAWN]: { module: dawn } } };
}

const H200 = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200' };
const LAVAPIPE = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)',
  isFallbackAdapter: true,
};
const NO_NATIVE = { [GPU]: 'missing', [NODE]: 'missing' } as const;

function navigatorGpu(): unknown {
  return (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
}

afterEach(async () => {
  // Leave no fake 'tensorflow' or 'webgpu' backend (nor navigator.gpu) behind for the next test.
  if (tf.engine().registryFactory['tensorflow'] !== undefined) tf.removeBackend('tensorflow');
  resetWebGpuForTests();
  await tf.setBackend('cpu');
});

describe('isModuleNotFound', () => {
  it('recognises "not installed" in Node ESM, Node CommonJS and Vite messages', () => {
    expect(isModuleNotFound(notFound(NODE), NODE)).toBe(true);
    expect(isModuleNotFound(new Error(`Cannot find module '${NODE}'\nRequire stack:\n- /app/x.js`), NODE)).toBe(true);
    expect(isModuleNotFound(new Error(`Could not resolve "${NODE}" imported by "@ncomp/core". Is it installed?`), NODE)).toBe(true);
    expect(isModuleNotFound(new Error(`Failed to load url ${NODE} (resolved id: ${NODE})`), NODE)).toBe(true);
  });

  it('treats failures inside an installed package as load failures', () => {
    // A native binding file missing inside the package.
    const binding = new Error(`Cannot find module '/app/node_modules/${NODE}/lib/napi-v8/tfjs_binding.node'`);
    expect(isModuleNotFound(binding, NODE)).toBe(false);
    // A dependency of the package missing.
    expect(isModuleNotFound(notFound('@tensorflow/tfjs'), NODE)).toBe(false);
    // The GPU package name is a prefix-extension of the CPU one: no confusion either way.
    expect(isModuleNotFound(notFound(GPU), NODE)).toBe(false);
    expect(isModuleNotFound(new Error('libcudart.so.11.0: cannot open shared object file'), GPU)).toBe(false);
    expect(isModuleNotFound('Cannot find package', NODE)).toBe(false);
    expect(isModuleNotFound(null, NODE)).toBe(false);
  });
});

describe('setBackend with simulated packages', () => {
  it('auto prefers tfjs-node-gpu when it is installed', async () => {
    const calls: string[] = [];
    const report = await setBackend('auto', { importer: importer({ [GPU]: 'native' }, calls) });
    expect(report).toEqual({
      requested: 'auto',
      chosen: 'tensorflow-gpu',
      package: GPU,
      reason: `${GPU} loaded (native libtensorflow with CUDA)`,
    });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(calls).toEqual([GPU]);
  });

  it('auto falls back to tfjs-node when the GPU package is not installed', async () => {
    const report = await setBackend('auto', { importer: importer({ [GPU]: 'missing', [NODE]: 'native' }) });
    expect(report.chosen).toBe('tensorflow');
    expect(report.package).toBe(NODE);
    expect(report.reason).toBe(`${NODE} loaded (native libtensorflow) (passed over: ${GPU}: not installed)`);
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('auto skips an installed but broken native package and says why', async () => {
    const broken = new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
    // (WebGPU simulated as not installed, so the outcome does not depend on this machine's GPU.)
    const report = await setBackend('auto', { importer: importer({ [GPU]: broken, [NODE]: 'missing', [WEBGPU]: 'missing' }) });
    expect(report.chosen).toBe('wasm');
    expect(report.package).toBe(WASM);
    expect(report.reason).toContain(`${GPU}: failed to load (libcudart.so.11.0: cannot open shared object file`);
    expect(report.reason).toContain(`${NODE}: not installed`);
    expect(tf.getBackend()).toBe('wasm');
  });

  it("'tensorflow' with neither package installed says how to install one", async () => {
    const error = await setBackend('tensorflow', { importer: importer({ [GPU]: 'missing', [NODE]: 'missing' }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(`needs ${NODE} or ${GPU}, and neither is installed`);
    expect(message).toContain(`npm install ${NODE}`);
    expect(message).toContain(`npm install ${GPU}`);
    expect(message).toContain('downloads the native libtensorflow library');
    expect((error as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  it("'tensorflow' with a package that fails to load reports the underlying error as cause", async () => {
    const broken = new Error('The specified module could not be found.\n\\\\?\\C:\\app\\tfjs_binding.node');
    const error = await setBackend('tensorflow', { importer: importer({ [GPU]: 'missing', [NODE]: broken }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain(`${NODE}: failed to load (The specified module could not be found.)`);
    expect((error as Error).message).not.toContain('neither is installed');
    expect((error as Error).cause).toBe(broken);
  });

  it('a native package that registers no backend with this tfjs-core is a load failure', async () => {
    const error = await setBackend('tensorflow', { importer: importer({ [GPU]: 'missing', [NODE]: 'empty' }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/registered no 'tensorflow' backend with the @tensorflow\/tfjs-core 4\.\d+\.\d+/);
  });

  it('auto falls back to cpu when wasm is not installed, and fails only when nothing is', async () => {
    const report = await setBackend('auto', {
      importer: importer({ [GPU]: 'missing', [NODE]: 'missing', [WEBGPU]: 'missing', [WASM]: 'missing' }),
    });
    expect(report.chosen).toBe('cpu');
    expect(report.package).toBe(CPU);
    expect(report.reason).toContain(`${WASM}: not installed`);
    expect(tf.getBackend()).toBe('cpu');

    const none = importer({ [GPU]: 'missing', [NODE]: 'missing', [WEBGPU]: 'missing', [WASM]: 'missing', [CPU]: 'missing' });
    await expect(setBackend('auto', { importer: none })).rejects.toThrow(BackendUnavailableError);
    await expect(setBackend('auto', { importer: none, autoWebgpu: true })).rejects.toThrow(
      `no TensorFlow.js backend could be activated: ${GPU}: not installed; ${NODE}: not installed; ` +
        `${WEBGPU}: not installed; ${WASM}: not installed; ${CPU}: not installed. ` +
        `@ncomp/core installs no backend by itself (they are optional peers): \`npm install ${WASM}\``,
    );
    await expect(setBackend('cpu', { importer: none })).rejects.toThrow(`${CPU}: not installed. @ncomp/core installs no backend`);
  });

  it("'wasm' and 'cpu' import exactly their own package", async () => {
    const calls: string[] = [];
    expect((await setBackend('cpu', { importer: importer({}, calls) })).chosen).toBe('cpu');
    expect((await setBackend('wasm', { importer: importer({}, calls) })).chosen).toBe('wasm');
    expect(calls).toEqual([CPU, WASM]);
    await expect(setBackend('wasm', { importer: importer({ [WASM]: new Error('boom') }) })).rejects.toThrow(
      "backend 'wasm' is unavailable: @tensorflow/tfjs-backend-wasm: failed to load (boom)",
    );
    // A package that fails to load is not "not installed": no install hint.
    await expect(setBackend('wasm', { importer: importer({ [WASM]: new Error('boom') }) })).rejects.not.toThrow(/npm install/);
    await expect(setBackend('wasm', { importer: importer({ [WASM]: 'empty' }) })).rejects.toThrow(/does not export setWasmPaths/);
  });

  it('lists every choice, in the order auto tries them', () => {
    expect(BACKEND_CHOICES).toEqual(['auto', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu']);
  });

  it('refuses unknown choices and bad thread counts', async () => {
    await expect(setBackend('webgl2' as never)).rejects.toThrow(InvalidArgumentError);
    await expect(setBackend('wasm', { wasmThreads: 0 })).rejects.toThrow(/positive integer, found 0/);
    await expect(setBackend('wasm', { wasmThreads: 1.5 })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('setBackend webgpu with simulated packages and adapters', () => {
  it('auto passes a hardware WebGPU adapter over unless autoWebgpu is set, and says why', async () => {
    const fake = fakeWebGpu({ info: H200 });
    const calls: string[] = [];
    const report = await setBackend('auto', { importer: importer({ ...NO_NATIVE, ...fake.table }, calls) });
    expect(report.chosen).toBe('wasm');
    expect(report.reason).toContain(`${WEBGPU}: not tried by auto`);
    expect(calls).not.toContain(WEBGPU);
  });

  it('auto takes WebGPU after the native packages when a hardware adapter is found', async () => {
    const fake = fakeWebGpu({ info: H200 });
    const calls: string[] = [];
    const report = await setBackend('auto', { autoWebgpu: true, gpuDeviceCheck: false, importer: importer({ ...NO_NATIVE, ...fake.table }, calls) });
    expect(report.chosen).toBe('webgpu');
    expect(report.package).toBe(WEBGPU);
    expect(report.reason).toBe(
      `WebGPU on NVIDIA H200, vendor nvidia, architecture hopper; navigator.gpu from webgpu (Dawn) ` +
        `(passed over: ${GPU}: not installed; ${NODE}: not installed)`,
    );
    expect(calls).toEqual([GPU, NODE, WEBGPU, DAWN]);
    expect(tf.getBackend()).toBe('webgpu');
    // Dawn's GPU is installed as navigator.gpu (TF.js's WebGPUBackend requires it).
    expect(navigatorGpu()).toBe(fake.gpu);
    expect(fake.log.adapterRequests).toEqual([{ powerPreference: 'high-performance' }]);
    // The device gets the adapter's limits TF.js's kernels size for, and the features offered.
    expect(fake.log.deviceRequests).toEqual([
      { requiredFeatures: ['timestamp-query'], requiredLimits: { maxStorageBufferBindingSize: 1 << 27, maxBufferSize: 1 << 30 } },
    ]);
    expect(fake.log.backends).toEqual([{ device: { fake: 'device' }, info: H200 }]);
    expect(describeBackend()).toEqual({
      name: 'webgpu',
      initialized: true,
      tfjsCoreVersion: tf.version_core,
      webgpu: { ...H200, software: false },
    });
    // Asking again reuses the initialised backend.
    const again = await setBackend('webgpu', { importer: importer({}) });
    expect(again.reason).toBe('WebGPU on NVIDIA H200, vendor nvidia, architecture hopper');
    expect(fake.log.backends.length).toBe(1);
  });

  it('auto falls through to wasm when no adapter is found, silently, and removes navigator.gpu again', async () => {
    const fake = fakeWebGpu(null);
    const report = await setBackend('auto', { autoWebgpu: true, gpuDeviceCheck: false, importer: importer({ ...NO_NATIVE, ...fake.table }) });
    expect(report.chosen).toBe('wasm');
    expect(report.reason).toContain(
      `(passed over: ${GPU}: not installed; ${NODE}: not installed; ` +
        `${WEBGPU}: no WebGPU adapter found (navigator.gpu from webgpu (Dawn): requestAdapter() returned null))`,
    );
    expect(navigatorGpu()).toBeUndefined();
    expect(tf.engine().registryFactory['webgpu']).toBeUndefined();
  });

  it('auto passes over a software adapter (lavapipe); an explicit webgpu takes it and says so', async () => {
    const fake = fakeWebGpu({ info: LAVAPIPE });
    const auto = await setBackend('auto', { autoWebgpu: true, gpuDeviceCheck: false, importer: importer({ ...NO_NATIVE, ...fake.table }) });
    expect(auto.chosen).toBe('wasm');
    expect(auto.reason).toContain(
      `${WEBGPU}: only a software adapter (llvmpipe: Mesa 25.0.7 (LLVM 15.0.6), vendor mesa, architecture software), ` +
        "slower than wasm; choose 'webgpu' to use it anyway)",
    );
    expect(fake.log.deviceRequests).toEqual([]);
    const explicit = await setBackend('webgpu', { importer: importer(fake.table), dawnOptions: ['backend=vulkan'] });
    expect(explicit.chosen).toBe('webgpu');
    expect(explicit.reason).toContain('(a software adapter: expect it to be slower than wasm)');
    expect(fake.log.createOptions).toEqual([[], ['backend=vulkan']]);
    expect(describeBackend().webgpu).toMatchObject({ architecture: 'software', software: true });
  });

  it('auto starts no Dawn on a Linux machine without a GPU device node (and starts it with one)', async () => {
    const fake = fakeWebGpu({ info: H200 });
    const calls: string[] = [];
    const report = await setBackend('auto', { autoWebgpu: true, importer: importer({ ...NO_NATIVE, ...fake.table }, calls) });
    const nodes = await gpuDeviceNodes();
    if (nodes?.length === 0) {
      // CI and this project's machines: no GPU.
      expect(report.chosen).toBe('wasm');
      expect(report.reason).toContain(`${WEBGPU}: no GPU device on this machine (no /dev/dri/renderD*, /dev/nvidia<N> or /dev/dxg), so Dawn was not started`);
      expect(calls).toEqual([GPU, NODE, WEBGPU, WASM]);
      expect(fake.log.adapterRequests).toEqual([]);
    } else {
      expect(report.chosen).toBe('webgpu');
      expect(calls).toContain(DAWN);
    }
  });

  it('auto does not load Dawn when tfjs-backend-webgpu is not installed', async () => {
    const calls: string[] = [];
    const report = await setBackend('auto', { autoWebgpu: true, importer: importer({ ...NO_NATIVE, [WEBGPU]: 'missing' }, calls) });
    expect(report.chosen).toBe('wasm');
    expect(report.reason).toContain(`${NODE}: not installed; ${WEBGPU}: not installed)`);
    expect(calls).toEqual([GPU, NODE, WEBGPU, WASM]);
  });

  it("'webgpu' without the packages names what to install", async () => {
    const both = await setBackend('webgpu', { importer: importer({ [WEBGPU]: 'missing', [DAWN]: 'missing' }) }).catch((e: unknown) => e);
    expect(both).toBeInstanceOf(BackendUnavailableError);
    expect((both as Error).message).toContain(`backend 'webgpu' needs ${WEBGPU} and, in Node.js, webgpu (Dawn); ${WEBGPU} and webgpu are not installed.`);
    expect((both as Error).message).toContain(`npm install ${WEBGPU} webgpu`);
    expect((both as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });

    const fake = fakeWebGpu({ info: H200 });
    const dawnOnly = await setBackend('webgpu', { importer: importer({ ...fake.table, [DAWN]: 'missing' }) }).catch((e: unknown) => e);
    expect(dawnOnly).toBeInstanceOf(BackendUnavailableError);
    expect((dawnOnly as Error).message).toContain('; webgpu is not installed.');
    expect(navigatorGpu()).toBeUndefined();
  });

  it("'webgpu' with no adapter says so and points at GPU drivers and Vulkan", async () => {
    const fake = fakeWebGpu(null);
    const error = await setBackend('webgpu', { importer: importer(fake.table) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain("backend 'webgpu' is unavailable: no WebGPU adapter found");
    expect(message).toContain('Vulkan');
    expect(message).toContain("GPU vendor's driver");
    expect(message).toContain('libvulkan1');
    expect(navigatorGpu()).toBeUndefined();
  });

  it("'webgpu' reports a failing requestAdapter, requestDevice or Dawn load with the error as cause", async () => {
    const lost = new Error('device creation failed: out of memory');
    const fake = fakeWebGpu({ info: H200, deviceError: lost });
    const e1 = await setBackend('webgpu', { importer: importer(fake.table) }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(BackendUnavailableError);
    expect((e1 as Error).message).toContain(`${WEBGPU}: failed to load (device creation failed: out of memory)`);
    expect((e1 as Error).cause).toBe(lost);

    const thrown = new Error('adapter enumeration crashed');
    const e2 = await setBackend('webgpu', { importer: importer(fakeWebGpu(thrown).table) }).catch((e: unknown) => e);
    expect((e2 as Error).cause).toBe(thrown);

    const noBinary = new Error("Cannot find module '/app/node_modules/webgpu/dist/linux-ppc64/dawn.node'");
    const e3 = await setBackend('webgpu', { importer: importer({ ...fake.table, [DAWN]: noBinary }) }).catch((e: unknown) => e);
    expect((e3 as Error).message).toContain("webgpu: failed to load (Cannot find module '/app/node_modules/webgpu/dist/");
    expect(navigatorGpu()).toBeUndefined();
  });

  it("uses the host's navigator.gpu without loading Dawn", async () => {
    const fake = fakeWebGpu({ info: H200 });
    const g = globalThis as { navigator?: { gpu?: unknown } };
    const hadNavigator = g.navigator !== undefined;
    if (!hadNavigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    Object.defineProperty(g.navigator, 'gpu', { value: fake.gpu, configurable: true, writable: true });
    try {
      const calls: string[] = [];
      const report = await setBackend('webgpu', { importer: importer(fake.table, calls) });
      expect(report.reason).toBe("WebGPU on NVIDIA H200, vendor nvidia, architecture hopper; the host's navigator.gpu");
      expect(calls).toEqual([WEBGPU]);
    } finally {
      if (hadNavigator) delete g.navigator!.gpu;
      else delete g.navigator;
    }
  });

  it('turns the failed synchronous read of a GPU tensor into a clear error', async () => {
    const fake = fakeWebGpu({ info: H200 }, { failReadSync: true });
    await setBackend('webgpu', { importer: importer(fake.table) });
    const x = tf.ones([4]);
    expect(() => x.dataSync()).toThrow(BackendUnavailableError);
    expect(() => x.dataSync()).toThrow(/cannot read a GPU tensor synchronously .* `await tensor.data\(\)`/);
    x.dispose();
  });
});

describe.skipIf(NATIVE_INSTALLED)('setBackend with the real packages (tfjs-node not installed here)', () => {
  it("'tensorflow' throws BackendUnavailableError with the install hint", async () => {
    const error = await setBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain(`npm install ${NODE}`);
    expect((error as Error).message).toContain('neither is installed');
  });

  it('auto chooses wasm (SIMD; one thread, as vitest.setup.ts sets) and computes on it, when no hardware WebGPU adapter is found', async (ctx) => {
    const report = await setBackend('auto');
    if (report.chosen === 'webgpu') {
      // This machine has a GPU that Dawn can use (and the webgpu packages): webgpu-device.test.ts covers it.
      ctx.skip();
    }
    expect(report.requested).toBe('auto');
    expect(report.chosen).toBe('wasm');
    expect(report.package).toBe(WASM);
    // One thread: vitest.setup.ts sets NCOMP_WASM_THREADS=1 (the default elsewhere is the idle cores).
    expect(report.reason).toMatch(/^WebAssembly, SIMD on, 1 thread/);
    expect(report.reason).toContain(`(passed over: ${GPU}: not installed; ${NODE}: not installed; ${WEBGPU}: `);
    expect(report.reason).toMatch(/@tensorflow\/tfjs-backend-webgpu: not tried by auto/);
    expect(describeBackend()).toEqual({
      name: 'wasm',
      initialized: true,
      tfjsCoreVersion: tf.version_core,
      wasm: { simd: true, multithreaded: false, threads: 1 },
    });
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
    expect(Array.from(await y.data())).toEqual([11]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a thread count requested after wasm initialised is reported as unchanged', async () => {
    await setBackend('wasm');
    const report = await setBackend('wasm', { wasmThreads: 2, wasmPaths: '/nowhere/' });
    expect(report.reason).toContain('thread count unchanged (the wasm backend was already initialised)');
    expect(report.reason).toContain('wasmPaths unused (the wasm backend was already initialised)');
  });
});

describe('describeBackend', () => {
  it('describes the cpu backend without wasm details', async () => {
    await setBackend('cpu');
    expect(describeBackend()).toEqual({ name: 'cpu', initialized: true, tfjsCoreVersion: tf.version_core });
  });
});
