/**
 * Reading and writing the safetensors format (https://github.com/huggingface/safetensors)
 * on `Uint8Array`s and typed arrays. Pure TypeScript: this entry point imports no
 * TensorFlow.js, so it works without it, and no `node:` module, so it works in browsers.
 * Under the `node` export condition it also exports `readSafetensorsFile` /
 * `writeSafetensorsFile` (files on disk; see `@ncomp/core/node`).
 *
 * @packageDocumentation
 */
export type { SafetensorsDataTypes, SafetensorsDtype, SafetensorsTensor } from './dtype.js';
export { isSafetensorsDtype, numElements, SAFETENSORS_DTYPES, SAFETENSORS_ITEM_SIZE } from './dtype.js';
export { decodeFloat16, encodeFloat16, float16BitsToFloat32, float32ToFloat16Bits } from './float16.js';
export { bfloat16BitsToFloat32, decodeBfloat16, encodeBfloat16, float32ToBfloat16Bits } from './bfloat16.js';
export type { SafetensorsEntry, SafetensorsHeader } from './header.js';
export { MAX_HEADER_LENGTH, METADATA_KEY, parseSafetensorsHeader } from './header.js';
export type { SafetensorsFile } from './read.js';
export { readSafetensors } from './read.js';
export type { SafetensorsTensorMap, WriteSafetensorsOptions } from './write.js';
export { writeSafetensors } from './write.js';
