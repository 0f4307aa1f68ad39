/**
 * Decoding a safetensors file held in memory into typed arrays.
 */
import { CorruptStreamError } from '../errors/index.js';
import { decodeBfloat16 } from './bfloat16.js';
import { littleEndianToHostInPlace } from './byte-order.js';
import type { SafetensorsTensor } from './dtype.js';
import { SAFETENSORS_ITEM_SIZE } from './dtype.js';
import { decodeFloat16 } from './float16.js';
import type { SafetensorsEntry } from './header.js';
import { parseSafetensorsHeader } from './header.js';

/** The decoded content of a safetensors file. */
export interface SafetensorsFile {
  /** Tensors by name, in header order. A `Map`, so any name (even `"__proto__"`) is safe. */
  readonly tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` string map (empty when the file has none). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Decodes one validated entry. The bytes are copied into a fresh, aligned buffer: the
 * file's offsets need not be aligned to the item size, and the result must not alias
 * the caller's file bytes.
 */
function decodeEntry(bytes: Uint8Array, dataStart: number, entry: SafetensorsEntry): SafetensorsTensor {
  const [begin, end] = entry.dataOffsets;
  // `new Uint8Array(view)` always copies; `bytes.slice` would not if bytes is a Node
  // Buffer (Buffer#slice returns a view into a possibly shared pool).
  const own = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
  const itemSize = SAFETENSORS_ITEM_SIZE[entry.dtype];
  littleEndianToHostInPlace(own, itemSize);
  const buffer = own.buffer;
  const shape = entry.shape;
  switch (entry.dtype) {
    case 'BOOL':
      for (let i = 0; i < own.length; i++) {
        if (own[i]! > 1) {
          throw new CorruptStreamError(
            `safetensors: tensor ${JSON.stringify(entry.name)} is BOOL, so every byte must be 0 or 1; ` + `found ${own[i]} at element ${i}`,
          );
        }
      }
      return { dtype: 'BOOL', shape, data: own };
    case 'U8':
      return { dtype: 'U8', shape, data: own };
    case 'I8':
      return { dtype: 'I8', shape, data: new Int8Array(buffer) };
    case 'I16':
      return { dtype: 'I16', shape, data: new Int16Array(buffer) };
    case 'U16':
      return { dtype: 'U16', shape, data: new Uint16Array(buffer) };
    case 'F16':
      return { dtype: 'F16', shape, data: decodeFloat16(new Uint16Array(buffer)) };
    case 'BF16':
      return { dtype: 'BF16', shape, data: decodeBfloat16(new Uint16Array(buffer)) };
    case 'I32':
      return { dtype: 'I32', shape, data: new Int32Array(buffer) };
    case 'U32':
      return { dtype: 'U32', shape, data: new Uint32Array(buffer) };
    case 'F32':
      return { dtype: 'F32', shape, data: new Float32Array(buffer) };
    case 'F64':
      return { dtype: 'F64', shape, data: new Float64Array(buffer) };
    case 'I64':
      return { dtype: 'I64', shape, data: new BigInt64Array(buffer) };
    case 'U64':
      return { dtype: 'U64', shape, data: new BigUint64Array(buffer) };
  }
}

/**
 * Parses, validates and decodes a complete safetensors file.
 *
 * All header checks of {@link parseSafetensorsHeader} apply; in addition `BOOL` bytes
 * must be 0 or 1. Either every tensor is returned or an error is thrown: nothing
 * partially decoded escapes. The returned arrays are fresh copies (they never alias
 * `bytes`). `F16`/`BF16` come back as exact `Float32Array`s; `I64`/`U64` as
 * `BigInt64Array`/`BigUint64Array` (no rounding).
 *
 * @param bytes - The complete file.
 * @returns Tensors by name and the metadata map.
 * @throws CorruptStreamError for a damaged or truncated file; UnsupportedFormatError for
 *   a dtype this package does not support.
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  const header = parseSafetensorsHeader(bytes);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const entry of header.entries) tensors.set(entry.name, decodeEntry(bytes, header.dataStart, entry));
  return { tensors, metadata: header.metadata };
}
