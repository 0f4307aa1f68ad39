/**
 * A description of the active TensorFlow.js backend, for logs and `--version`-style output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadedWasmModule } from './wasm-module.js';
import type { WebGpuAdapterDescription } from './webgpu.js';
import { webGpuAdapter } from './webgpu.js';

/** Details of the wasm backend as TF.js exposes them. */
export interface WasmBackendDetails {
  /** Whether the SIMD binary is in use (`WASM_HAS_SIMD_SUPPORT`); `undefined` if not yet detected. */
  readonly simd: boolean | undefined;
  /** Whether the multithreaded binary is in use (`WASM_HAS_MULTITHREAD_SUPPORT`; in Node.js set by ncomp's threaded loader). */
  readonly multithreaded: boolean | undefined;
  /** XNNPACK threads actually used (`getThreadsCount()`); `undefined` if unknown. */
  readonly threads: number | undefined;
}

/** The result of {@link describeBackend}. */
export interface BackendDescription {
  /** Name of the active backend (`tf.getBackend()`), or `null` before any is set. */
  readonly name: string | null;
  /**
   * Whether that backend is initialised. False after a failed `tf.setBackend`, which
   * leaves the name set but no backend behind it.
   */
  readonly initialized: boolean;
  /** The @tensorflow/tfjs-core version in use. */
  readonly tfjsCoreVersion: string;
  /** wasm details, present when the active backend is `wasm`. */
  readonly wasm?: WasmBackendDetails;
  /**
   * The WebGPU adapter, present when the active backend is `webgpu` and `setBackend`
   * made it.
   */
  readonly webgpu?: WebGpuAdapterDescription;
}

function flag(name: string): boolean | undefined {
  // getFlags() holds only flags already evaluated; reading it never triggers evaluation
  // (and never throws for async flags, unlike env().get).
  const value = tf.env().getFlags()[name];
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * Describes the active backend without changing anything (it does not initialise a
 * backend, unlike most TF.js calls).
 *
 * @returns The backend's name and state; for `wasm`, SIMD / multithreading / thread
 *   count as TF.js reports them (thread count only when the wasm package was loaded
 *   through `setBackend`); for `webgpu`, the adapter `setBackend` found.
 */
export function describeBackend(): BackendDescription {
  const name = (tf.getBackend() as string | undefined) ?? null;
  const initialized = name !== null && tf.engine().registry[name] !== undefined;
  const base = { name, initialized, tfjsCoreVersion: tf.version_core };
  if (name === 'webgpu') {
    const adapter = webGpuAdapter();
    return adapter === undefined || !initialized ? base : { ...base, webgpu: adapter };
  }
  if (name !== 'wasm') return base;
  let threads: number | undefined;
  const mod = loadedWasmModule();
  if (mod !== undefined && initialized) {
    try {
      threads = mod.getThreadsCount();
    } catch {
      // Thrown only before initialisation; leave unknown.
    }
  }
  return {
    ...base,
    wasm: { simd: flag('WASM_HAS_SIMD_SUPPORT'), multithreaded: flag('WASM_HAS_MULTITHREAD_SUPPORT'), threads },
  };
}
