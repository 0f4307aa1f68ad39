/**
 * Model files on disk (Node.js only: `node:fs`). See `model-file.ts` for the bytes.
 */
import { onReadableBackend, writeFileAtomic } from '@ncomp/core';
import { readFile } from 'node:fs/promises';
import type { ImageCodec } from '../codec/image-codec.js';
import type { ModelConfig } from '../zoo/registry.js';
import { loadModelBytes, modelFileBytes, type LoadedModel, type LoadModelOptions } from './model-file.js';

/**
 * Writes a model file atomically (see {@link modelFileBytes}); refuses to overwrite unless asked.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp, rm } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { setBackend } from '@ncomp/core';
 * import { createModel, loadModelFile, saveModelFile } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const config = { N: 8, M: 12 };
 * const model = createModel('bmshj2018', config); // e.g. after training it
 * model.update(); // the integer tables travel in the file
 * const dir = await mkdtemp(join(tmpdir(), 'ncomp-example-'));
 * try {
 *   const path = join(dir, 'tiny.safetensors');
 *   await saveModelFile(path, model, 'bmshj2018', config, { metadata: { 'my.steps': '0' } });
 *   // An existing file is never replaced unless asked ({ overwrite: true }).
 *   await assert.rejects(saveModelFile(path, model, 'bmshj2018', config), /refusing to overwrite/);
 *   const loaded = await loadModelFile(path);
 *   assert.equal(loaded.name, 'bmshj2018');
 *   assert.equal(loaded.metadata['my.steps'], '0');
 *   loaded.model.dispose();
 * } finally {
 *   await rm(dir, { recursive: true, force: true });
 *   model.dispose();
 * }
 * ```
 */
export async function saveModelFile(
  path: string,
  model: ImageCodec,
  name: string,
  config: ModelConfig,
  options: { readonly overwrite?: boolean; readonly metadata?: Readonly<Record<string, string>> } = {},
): Promise<void> {
  const bytes = await modelFileBytes(model, name, config, options.metadata);
  await writeFileAtomic(path, bytes, { overwrite: options.overwrite === true, overwriteHint: 'pass --force / { overwrite: true } to replace it' });
}

/**
 * Reads a model file from disk (see {@link loadModelBytes}).
 *
 * @example
 * The default model shipped with this package, coding a small image:
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { DEFAULT_MODEL_FILE, loadModelFile } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const { model, name, config, digest } = await loadModelFile(DEFAULT_MODEL_FILE);
 * console.log(name, JSON.stringify(config), `qualities ${model.qualityRange.join('..')}`);
 * assert.equal(digest.length, 16); // the weights digest .ncomp files record
 * const x = tf.randomUniform([1, 24, 40, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
 * const compressed = await model.compress(x, 0); // the lowest rate level
 * const decoded = await model.decompress(compressed);
 * assert.deepEqual(decoded.shape, x.shape);
 * tf.dispose([x, decoded]);
 * model.dispose();
 * ```
 */
export async function loadModelFile(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const buffer = await readFile(path);
  // Tables are built with synchronous reads: under WebGPU, on the CPU (the weights move on first use).
  return onReadableBackend(() => loadModelBytes(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path, options));
}
