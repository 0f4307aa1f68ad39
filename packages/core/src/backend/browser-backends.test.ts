/**
 * Backend choice for browsers, simulated in Node.js (`runtime: 'browser'`): no native
 * TensorFlow, no Dawn, packages only from the bundle (`provideBackendPackage`), errors in a
 * browser's terms. The real browser is tested by examples/browser-demo's Chromium test.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../errors/index.js';
import { importerFor, isModuleNotFound, tryImport } from './import-package.js';
import { provideBackendPackage, providedPackages } from './provided-packages.js';
import { setBackend } from './set-backend.js';
import { probeWebgl } from './webgl.js';
import { resetWebGpuForTests } from './webgpu.js';

const WASM = '@tensorflow/tfjs-backend-wasm';
const CPU = '@tensorflow/tfjs-backend-cpu';
const WEBGL = '@tensorflow/tfjs-backend-webgl';
const WEBGPU = '@tensorflow/tfjs-backend-webgpu';

/** A browser's importer in which only `packages` are bundled (loaded for real from node_modules). */
function bundleWith(...packages: string[]): (specifier: string) => Promise<unknown> {
  const browser = importerFor('browser');
  const node = importerFor('node');
  return (specifier) => (packages.includes(specifier) ? node(specifier) : browser(specifier));
}

/** Installs a `navigator.gpu` whose adapter request answers `adapter`; returns the undo. */
function hostGpu(adapter: unknown): () => void {
  const g = globalThis as { navigator?: unknown };
  const before = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: { requestAdapter: async () => adapter } },
    configurable: true,
    writable: true,
  });
  return () => {
    if (before === undefined) delete g.navigator;
    else Object.defineProperty(globalThis, 'navigator', before);
  };
}

afterEach(async () => {
  resetWebGpuForTests();
  await tf.setBackend('cpu');
});

describe('setBackend in a browser (simulated)', () => {
  it("auto passes over WebGPU and WebGL it cannot have and takes wasm, saying why in a browser's terms", async () => {
    expect(probeWebgl().available).toBe(false); // Node.js: no canvas at all
    const calls: string[] = [];
    const bundle = bundleWith(WASM, CPU, WEBGL, WEBGPU);
    const report = await setBackend('auto', { runtime: 'browser', importer: (s) => (calls.push(s), bundle(s)) });
    expect(report.chosen).toBe('wasm');
    expect(report.reason).toContain(`${WEBGPU}: this browser offers no WebGPU (navigator.gpu is undefined`);
    expect(report.reason).toContain(`${WEBGL}: no WebGL 2 context`);
    // (The wasm detail itself tells the truth about this process, which is Node.js.)
    expect(report.reason.slice(report.reason.indexOf('(passed over'))).not.toMatch(/Node\.js|Dawn|Vulkan|npm install/);
    // Neither native TensorFlow nor Dawn is looked for, and nothing is imported for a missing GPU API.
    expect(calls).toEqual([WASM]);
    expect(tf.getBackend()).toBe('wasm');
  });

  it("refuses 'tensorflow' in a browser and 'webgl' in Node.js, naming what to choose instead", async () => {
    await expect(setBackend('tensorflow', { runtime: 'browser' })).rejects.toThrow(
      /'tensorflow' is native TensorFlow for Node\.js .* does not exist in a browser; choose 'auto', 'webgpu', 'webgl' or 'wasm'/,
    );
    await expect(setBackend('webgl', { runtime: 'node' })).rejects.toThrow(
      /'webgl' needs a browser's WebGL 2 .* in Node\.js choose 'auto', 'wasm', 'tensorflow' or 'webgpu'/,
    );
  });

  it("an explicit 'webgl' with no WebGL 2 context says so", async () => {
    const error = await setBackend('webgl', { runtime: 'browser', importer: bundleWith(WEBGL) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe(`backend 'webgl' is unavailable: ${WEBGL}: no WebGL 2 context (WebGL is disabled, blocked or unsupported here)`);
  });

  it("an explicit 'webgpu' without navigator.gpu, or without an adapter, points at the browser, not at Dawn or Vulkan", async () => {
    await expect(setBackend('webgpu', { runtime: 'browser', importer: bundleWith(WEBGPU) })).rejects.toThrow(
      /this browser offers no WebGPU \(navigator\.gpu is undefined: WebGPU needs a secure context.*Choose 'webgl' or 'wasm'\.$/,
    );
    const undo = hostGpu(null);
    try {
      const fakePackage = { WebGPUBackend: class {} };
      const error = await setBackend('webgpu', { runtime: 'browser', importer: async () => fakePackage }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      const message = (error as Error).message;
      expect(message).toContain('no WebGPU adapter found');
      expect(message).toContain('chrome://gpu');
      expect(message).not.toMatch(/Node\.js|Dawn|Vulkan/);
    } finally {
      undo();
    }
  });

  it('a backend missing from the bundle is "not installed", and the error says which entry point to import', async () => {
    const error = await setBackend('wasm', { runtime: 'browser', importer: bundleWith() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe(
      `backend 'wasm' is unavailable: ${WASM}: not installed. A browser bundle holds only the backends it imports: ` +
        "import '@ncomp/core/browser' (wasm, webgl, webgpu and cpu) or '@ncomp/core/browser/<backend>' " +
        '(one of wasm, webgl, webgpu, cpu) once, before setBackend.',
    );
    await expect(setBackend('auto', { runtime: 'browser', importer: bundleWith() })).rejects.toThrow(
      /no TensorFlow\.js backend could be activated: .*not installed\. A browser bundle holds only/,
    );
  });
});

describe('provided packages', () => {
  it('the default importer loads a provided package through its loader, in either runtime', async () => {
    const fake = { name: 'fake backend' };
    provideBackendPackage('@example/fake-backend', async () => fake);
    expect(providedPackages()).toContain('@example/fake-backend');
    expect(await importerFor('browser')('@example/fake-backend')).toBe(fake);
    expect(await importerFor('node')('@example/fake-backend')).toBe(fake);
    const outcome = await tryImport(importerFor('browser'), '@example/not-bundled');
    expect(outcome.status).toBe('missing');
    expect(String((outcome as { error: unknown }).error)).toContain("import '@ncomp/core/browser'");
  });

  it('@ncomp/core/browser provides the four backend packages with loaders bundlers follow', async () => {
    await import('../browser/index.js');
    expect(providedPackages()).toEqual(expect.arrayContaining([WEBGPU, WEBGL, WASM, CPU]));
    const cpu = await importerFor('browser')(CPU);
    expect(typeof (cpu as { MathBackendCPU?: unknown }).MathBackendCPU).toBe('function');
  });

  it("counts a browser's bare-specifier failure as not installed, and only for that package", () => {
    const browserError = new TypeError(
      'Failed to resolve module specifier "@tensorflow/tfjs-backend-webgl". Relative references must start with either "/", "./", or "../".',
    );
    expect(isModuleNotFound(browserError, WEBGL)).toBe(true);
    expect(isModuleNotFound(browserError, WASM)).toBe(false);
  });
});
