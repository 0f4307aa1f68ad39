/**
 * `@ncomp/core/safetensors` under the `node` export condition: the browser-safe entry plus
 * safetensors files on disk.
 *
 * @packageDocumentation
 */
export * from './index.js';
export type { WriteSafetensorsFileOptions } from './file.js';
export { readSafetensorsFile, writeSafetensorsFile } from './file.js';
