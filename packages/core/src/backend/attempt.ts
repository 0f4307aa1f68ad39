/**
 * One try at a backend, for `setBackend`: either it is active now (with a line saying
 * what it runs on), or why it could not be used.
 */
import * as tf from '@tensorflow/tfjs-core';
import { errorSummary } from './import-package.js';

/** Why one candidate could not be used. */
export interface Failure {
  /** The package (or packages, joined by " and ") tried. */
  readonly package: string;
  /**
   * `missing`: not installed (in a browser: not in the bundle); `failed`: installed but did
   * not load or initialise; `unusable`: loaded, but the machine offers nothing it can use
   * (no WebGPU adapter, no WebGL), or `auto` judged it slower than the next choice (a
   * software adapter or renderer).
   */
  readonly kind: 'missing' | 'failed' | 'unusable';
  /** The underlying error, if any. */
  readonly error: unknown;
  /** One line for reports. */
  readonly summary: string;
}

/** The outcome of trying one backend. */
export type Attempt = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly failure: Failure };

/** A failed {@link Attempt}; the summary defaults to the error's first line. */
export function failed(pkg: string, kind: Failure['kind'], error: unknown, summary?: string): Attempt {
  return { ok: false, failure: { package: pkg, kind, error, summary: summary ?? errorSummary(error) } };
}

/**
 * Makes `name` the active TF.js backend and checks that it took: `tf.setBackend`
 * resolves `false` (rather than throwing) when initialisation fails, and throws when no
 * backend of that name is registered.
 *
 * @returns undefined when it took, else the error.
 */
export async function activate(name: 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu'): Promise<unknown> {
  try {
    const ok = await tf.setBackend(name);
    if (ok && tf.getBackend() === name) return undefined;
    return new Error(`tf.setBackend('${name}') did not take effect (initialisation failed; TF.js logs the reason)`);
  } catch (error) {
    return error;
  }
}
