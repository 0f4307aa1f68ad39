import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, InvalidArgumentError } from '../errors/index.js';
import type { PackageImporter } from './index.js';
import { defaultImporter, describeBackend, isModuleNotFound, setBackend } from './index.js';

const GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';
const WASM = '@tensorflow/tfjs-backend-wasm';
const CPU = '@tensorflow/tfjs-backend-cpu';

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
  return Object.assign(
    new Error(`Cannot find package '${spec}' imported from /app/node_modules/@ncomp/core/dist/x.js`),
    {
      code: 'ERR_MODULE_NOT_FOUND',
    }
  );
}

/** A stand-in for tfjs-node: importing it registers a 'tensorflow' backend, as the real one does. */
async function fakeNativePackage(): Promise<unknown> {
  if (tf.engine().registryFactory['tensorflow'] === undefined) {
    tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
  }
  return { version: 'fake' };
}

type Behaviour = 'missing' | 'native' | Error | 'real' | 'empty';

/** An importer where each package is missing, a fake native package, broken (throws), or real. */
function importer(table: Partial<Record<string, Behaviour>>, calls: string[] = []): PackageImporter {
  return async (spec) => {
    calls.push(spec);
    const behaviour = table[spec] ?? 'real';
    if (behaviour === 'missing') throw notFound(spec);
    if (behaviour === 'native') return fakeNativePackage();
    if (behaviour === 'empty') return {};
    if (behaviour === 'real') return defaultImporter(spec);
    throw behaviour;
  };
}

afterEach(async () => {
  // Leave no fake 'tensorflow' backend behind for the next test.
  if (tf.engine().registryFactory['tensorflow'] !== undefined) tf.removeBackend('tensorflow');
  await tf.setBackend('cpu');
});

describe('isModuleNotFound', () => {
  it('recognises "not installed" in Node ESM, Node CommonJS and Vite messages', () => {
    expect(isModuleNotFound(notFound(NODE), NODE)).toBe(true);
    expect(isModuleNotFound(new Error(`Cannot find module '${NODE}'\nRequire stack:\n- /app/x.js`), NODE)).toBe(true);
    expect(
      isModuleNotFound(new Error(`Could not resolve "${NODE}" imported by "@ncomp/core". Is it installed?`), NODE)
    ).toBe(true);
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
    const report = await setBackend('auto', { importer: importer({ [GPU]: broken, [NODE]: 'missing' }) });
    expect(report.chosen).toBe('wasm');
    expect(report.package).toBe(WASM);
    expect(report.reason).toContain(`${GPU}: failed to load (libcudart.so.11.0: cannot open shared object file`);
    expect(report.reason).toContain(`${NODE}: not installed`);
    expect(tf.getBackend()).toBe('wasm');
  });

  it("'tensorflow' with neither package installed says how to install one", async () => {
    const error = await setBackend('tensorflow', { importer: importer({ [GPU]: 'missing', [NODE]: 'missing' }) }).catch(
      (e: unknown) => e
    );
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
    const error = await setBackend('tensorflow', { importer: importer({ [GPU]: 'missing', [NODE]: broken }) }).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain(`${NODE}: failed to load (The specified module could not be found.)`);
    expect((error as Error).message).not.toContain('neither is installed');
    expect((error as Error).cause).toBe(broken);
  });

  it('a native package that registers no backend with this tfjs-core is a load failure', async () => {
    const error = await setBackend('tensorflow', { importer: importer({ [GPU]: 'missing', [NODE]: 'empty' }) }).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      /registered no 'tensorflow' backend with the @tensorflow\/tfjs-core 4\.\d+\.\d+/
    );
  });

  it('auto falls back to cpu when wasm is not installed, and fails only when nothing is', async () => {
    const report = await setBackend('auto', {
      importer: importer({ [GPU]: 'missing', [NODE]: 'missing', [WASM]: 'missing' }),
    });
    expect(report.chosen).toBe('cpu');
    expect(report.package).toBe(CPU);
    expect(report.reason).toContain(`${WASM}: not installed`);
    expect(tf.getBackend()).toBe('cpu');

    const none = importer({ [GPU]: 'missing', [NODE]: 'missing', [WASM]: 'missing', [CPU]: 'missing' });
    await expect(setBackend('auto', { importer: none })).rejects.toThrow(BackendUnavailableError);
    await expect(setBackend('auto', { importer: none })).rejects.toThrow(
      `no TensorFlow.js backend could be activated: ${GPU}: not installed; ${NODE}: not installed; ${WASM}: not installed; ${CPU}: not installed`
    );
  });

  it("'wasm' and 'cpu' import exactly their own package", async () => {
    const calls: string[] = [];
    expect((await setBackend('cpu', { importer: importer({}, calls) })).chosen).toBe('cpu');
    expect((await setBackend('wasm', { importer: importer({}, calls) })).chosen).toBe('wasm');
    expect(calls).toEqual([CPU, WASM]);
    await expect(setBackend('wasm', { importer: importer({ [WASM]: new Error('boom') }) })).rejects.toThrow(
      "backend 'wasm' is unavailable: @tensorflow/tfjs-backend-wasm: failed to load (boom)"
    );
    await expect(setBackend('wasm', { importer: importer({ [WASM]: 'empty' }) })).rejects.toThrow(
      /does not export setWasmPaths/
    );
  });

  it('refuses unknown choices and bad thread counts', async () => {
    await expect(setBackend('webgl' as never)).rejects.toThrow(InvalidArgumentError);
    await expect(setBackend('wasm', { wasmThreads: 0 })).rejects.toThrow(/positive integer, found 0/);
    await expect(setBackend('wasm', { wasmThreads: 1.5 })).rejects.toThrow(InvalidArgumentError);
  });
});

describe.skipIf(NATIVE_INSTALLED)('setBackend with the real packages (tfjs-node not installed here)', () => {
  it("'tensorflow' throws BackendUnavailableError with the install hint", async () => {
    const error = await setBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain(`npm install ${NODE}`);
    expect((error as Error).message).toContain('neither is installed');
  });

  it('auto chooses wasm (SIMD, single-threaded in Node) and computes on it', async () => {
    const report = await setBackend('auto');
    expect(report.requested).toBe('auto');
    expect(report.chosen).toBe('wasm');
    expect(report.package).toBe(WASM);
    expect(report.reason).toMatch(/^WebAssembly, SIMD on, 1 thread \(TF.js has no wasm threads in Node.js\)/);
    expect(report.reason).toContain(`(passed over: ${GPU}: not installed; ${NODE}: not installed)`);
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
