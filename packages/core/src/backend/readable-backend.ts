import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors/index.js';
import { defaultImporter, errorSummary, tryImport } from './import-package.js';

/**
 * Whether the active backend can read tensors synchronously (`dataSync`). WebGPU cannot in
 * Node.js (TF.js's WebGPU `readSync` needs `OffscreenCanvas`), and should not in a browser
 * (it stalls the GPU); every other backend can.
 */
export function canReadSynchronously(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/**
 * Runs `fn` on the CPU backend when the active one cannot read synchronously (see
 * {@link canReadSynchronously}), then makes the active backend current again; otherwise
 * runs it as it is. For the few steps that build integer tables from tensors with
 * synchronous reads (model construction, loading a state dict, `update()`): the tensors
 * they leave behind move to the active backend the first time an operation there uses them.
 * @example
 * Model loading under any backend: `onReadableBackend(() => loadModelBytes(bytes))`. A small
 * synchronous read, the same way:
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { onReadableBackend, setBackend } from '@ncomp/core';
 *
 * await setBackend('wasm');
 * // Under WebGPU this would run on the CPU backend; here it runs as it is.
 * const sum = await onReadableBackend(() => tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]));
 * assert.equal(sum, 6);
 * ```
 */
export async function onReadableBackend<T>(fn: () => T | Promise<T>): Promise<T> {
  if (canReadSynchronously()) return fn();
  const active = tf.getBackend();
  if (tf.findBackendFactory('cpu') === null) {
    const outcome = await tryImport(defaultImporter, '@tensorflow/tfjs-backend-cpu');
    if (outcome.status !== 'loaded') {
      throw new BackendUnavailableError(
        `the ${active} backend cannot read tensors synchronously, and building a model's integer tables needs it: install @tensorflow/tfjs-backend-cpu (${outcome.status === 'missing' ? 'not installed' : errorSummary(outcome.error)})`,
      );
    }
  }
  await tf.setBackend('cpu');
  try {
    return await fn();
  } finally {
    await tf.setBackend(active);
  }
}
