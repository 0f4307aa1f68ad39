/**
 * Model files on disk (Node.js only: `node:fs`). See `model-file.ts` for the bytes.
 */
import { onReadableBackend, writeFileAtomic } from '@ncomp/core';
import { readFile } from 'node:fs/promises';
import type { ImageCodec } from '../codec/image-codec.js';
import type { ModelConfig } from '../zoo/registry.js';
import { loadModelBytes, modelFileBytes, type LoadedModel, type LoadModelOptions } from './model-file.js';

/** Writes a model file atomically (see {@link modelFileBytes}); refuses to overwrite unless asked. */
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

/** Reads a model file from disk (see {@link loadModelBytes}). */
export async function loadModelFile(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const buffer = await readFile(path);
  // Tables are built with synchronous reads: under WebGPU, on the CPU (the weights move on first use).
  return onReadableBackend(() => loadModelBytes(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path, options));
}
