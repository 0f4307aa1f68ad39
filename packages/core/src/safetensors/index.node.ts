/**
 * Reading and writing the safetensors format (https://github.com/huggingface/safetensors)
 * on `Uint8Array`s and typed arrays. Pure TypeScript: this entry point imports no
 * TensorFlow.js, so it works without it, and no `node:` module, so it works in browsers.
 * Under the `node` export condition it also exports `readSafetensorsFile` /
 * `writeSafetensorsFile` (files on disk; see `@ncomp/core/node`).
 *
 * @packageDocumentation
 */
export * from './index.js';
export type { WriteSafetensorsFileOptions } from './file.js';
export { readSafetensorsFile, writeSafetensorsFile } from './file.js';
