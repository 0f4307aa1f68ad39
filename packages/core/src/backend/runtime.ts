/**
 * Where ncomp runs: Node.js or a browser (a page or a worker). Backend choice differs
 * between them: native TensorFlow and Dawn exist only in Node.js, WebGL only in browsers,
 * and a browser can load only the packages its bundle contains.
 */

/** `node`: Node.js (or a runtime that presents itself as Node.js); `browser`: everything else. */
export type Runtime = 'node' | 'browser';

/**
 * Detects the runtime: `node` when `process.versions.node` is a string (as TF.js's own
 * `IS_NODE` flag decides), else `browser`.
 */
export function detectRuntime(): Runtime {
  const process = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof process?.versions?.node === 'string' ? 'node' : 'browser';
}
