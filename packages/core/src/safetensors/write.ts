/**
 * Encoding tensors as a safetensors file in memory.
 */
import { InvalidArgumentError, ShapeError } from '../errors/index.js';
import { encodeBfloat16 } from './bfloat16.js';
import { HOST_IS_LITTLE_ENDIAN, swapBytesInPlace } from './byte-order.js';
import type { SafetensorsDtype, SafetensorsTensor } from './dtype.js';
import { isSafetensorsDtype, numElements, SAFETENSORS_DTYPES, SAFETENSORS_ITEM_SIZE } from './dtype.js';
import { encodeFloat16 } from './float16.js';
import { METADATA_KEY } from './header.js';

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /**
   * String metadata stored under `__metadata__` (keys sorted). Omitted from the file when
   * not given.
   */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Tensors to write, by name: a `Map` or a plain object. */
export type SafetensorsTensorMap = ReadonlyMap<string, SafetensorsTensor> | Readonly<Record<string, SafetensorsTensor>>;

/** The typed array constructor each dtype must be given in (F16/BF16 are encoded from float32). */
const EXPECTED_ARRAY: Readonly<Record<SafetensorsDtype, { name: string; is: (a: unknown) => boolean }>> = {
  BOOL: { name: 'Uint8Array', is: (a) => a instanceof Uint8Array },
  U8: { name: 'Uint8Array', is: (a) => a instanceof Uint8Array },
  I8: { name: 'Int8Array', is: (a) => a instanceof Int8Array },
  I16: { name: 'Int16Array', is: (a) => a instanceof Int16Array },
  U16: { name: 'Uint16Array', is: (a) => a instanceof Uint16Array },
  F16: { name: 'Float32Array', is: (a) => a instanceof Float32Array },
  BF16: { name: 'Float32Array', is: (a) => a instanceof Float32Array },
  I32: { name: 'Int32Array', is: (a) => a instanceof Int32Array },
  U32: { name: 'Uint32Array', is: (a) => a instanceof Uint32Array },
  F32: { name: 'Float32Array', is: (a) => a instanceof Float32Array },
  F64: { name: 'Float64Array', is: (a) => a instanceof Float64Array },
  I64: { name: 'BigInt64Array', is: (a) => a instanceof BigInt64Array },
  U64: { name: 'BigUint64Array', is: (a) => a instanceof BigUint64Array },
};

const DTYPE_RANK: ReadonlyMap<string, number> = new Map(SAFETENSORS_DTYPES.map((d, i) => [d, i]));

/**
 * Orders strings by Unicode code point, which equals the byte order of their UTF-8
 * encodings (the order the reference implementation's Rust `String` comparison gives).
 * Plain `<` compares UTF-16 code units, which differs for characters above U+FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done === true) return cb.done === true ? 0 : -1;
    if (cb.done === true) return 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function describeData(data: unknown): string {
  if (data === null || data === undefined) return String(data);
  const ctor = (data as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' ? ctor.name : typeof data;
}

/** Validates one caller-supplied tensor and returns its little-endian bytes. */
function encodeTensor(name: string, tensor: SafetensorsTensor): Uint8Array {
  const where = `tensor ${JSON.stringify(name)}`;
  const dtype: unknown = tensor.dtype;
  if (typeof dtype !== 'string' || !isSafetensorsDtype(dtype)) {
    throw new InvalidArgumentError(`safetensors: ${where} has dtype ${JSON.stringify(dtype)}; expected one of ${SAFETENSORS_DTYPES.join(', ')}`);
  }
  const shape: unknown = tensor.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(`safetensors: ${where} shape must be an array of non-negative integers, found ${JSON.stringify(shape)}`);
  }
  const expected = EXPECTED_ARRAY[dtype];
  if (!expected.is(tensor.data)) {
    throw new InvalidArgumentError(`safetensors: ${where} is ${dtype}, so its data must be a ${expected.name}; found ${describeData(tensor.data)}`);
  }
  const numel = numElements(shape as number[]);
  if (numel === undefined || numel !== tensor.data.length) {
    throw new ShapeError(
      `safetensors: ${where} shape [${shape.join(', ')}] has ${numel ?? 'more than 2^53'} elements, ` + `but its data holds ${tensor.data.length}`,
    );
  }
  switch (tensor.dtype) {
    case 'F16':
      return toLittleEndianBytes(encodeFloat16(tensor.data), 2);
    case 'BF16':
      return toLittleEndianBytes(encodeBfloat16(tensor.data), 2);
    case 'BOOL': {
      const i = tensor.data.findIndex((v) => v > 1);
      if (i >= 0) {
        throw new InvalidArgumentError(`safetensors: ${where} is BOOL, so every element must be 0 or 1; found ${tensor.data[i]} at element ${i}`);
      }
      return toLittleEndianBytes(tensor.data, 1);
    }
    default:
      return toLittleEndianBytes(tensor.data, SAFETENSORS_ITEM_SIZE[tensor.dtype]);
  }
}

/** The element bytes of a typed array in little-endian order (a view when no swap is needed). */
function toLittleEndianBytes(data: ArrayBufferView, itemSize: number): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN || itemSize === 1) return view;
  const copy = new Uint8Array(view);
  swapBytesInPlace(copy, itemSize);
  return copy;
}

/**
 * Serializes tensors to the safetensors format.
 *
 * The output is deterministic: tensors are ordered as the reference writer orders them,
 * by dtype (8-byte types first, then 4-, 2- and 1-byte types, following the reference
 * `Dtype` enum) and then by name in code point order; both the header's keys and the
 * data buffer follow that order, so every tensor's data begins at a multiple of its item
 * size. `__metadata__` comes first with its keys sorted. The JSON header is compact and
 * padded with spaces to a multiple of 8 bytes, as the reference implementation does, so
 * the data buffer starts 8-byte aligned.
 *
 * `F16` and `BF16` tensors are given as `Float32Array` and rounded to nearest, ties to
 * even; every other dtype is given in its own typed array (see `SafetensorsDataTypes`).
 *
 * @param tensors - Tensors by name. `"__metadata__"` is not a valid tensor name.
 * @param options - Optional metadata.
 * @returns The complete file.
 * @throws InvalidArgumentError for an unknown dtype, a bad shape, data in the wrong typed
 *   array, a BOOL value other than 0/1, a reserved name or non-string metadata;
 *   ShapeError when the data length is not the product of the shape.
 */
export function writeSafetensors(tensors: SafetensorsTensorMap, options: WriteSafetensorsOptions = {}): Uint8Array {
  const items: Array<[string, SafetensorsTensor]> = tensors instanceof Map ? [...(tensors as ReadonlyMap<string, SafetensorsTensor>)] : Object.entries(tensors);
  for (const [name] of items) {
    if (name === METADATA_KEY) {
      throw new InvalidArgumentError(`safetensors: "${METADATA_KEY}" is reserved for metadata and cannot name a tensor`);
    }
  }
  const encoded = items.map(([name, tensor]) => ({ name, tensor, bytes: encodeTensor(name, tensor) }));
  encoded.sort((a, b) => (DTYPE_RANK.get(b.tensor.dtype) ?? 0) - (DTYPE_RANK.get(a.tensor.dtype) ?? 0) || compareCodePoints(a.name, b.name));

  // The header is assembled by hand: JSON.stringify of an object would move
  // integer-like keys ("0", "1") to the front and break the intended order.
  const parts: string[] = [];
  if (options.metadata !== undefined) {
    const metaParts: string[] = [];
    const keys = Object.keys(options.metadata).sort(compareCodePoints);
    for (const key of keys) {
      const value: unknown = options.metadata[key];
      if (typeof value !== 'string') {
        throw new InvalidArgumentError(`safetensors: metadata value ${JSON.stringify(key)} must be a string, found ${typeof value}`);
      }
      metaParts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${metaParts.join(',')}}`);
  }
  let offset = 0;
  for (const { name, tensor, bytes } of encoded) {
    const begin = offset;
    offset += bytes.length;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":${JSON.stringify(tensor.dtype)},"shape":[${tensor.shape.join(',')}],` + `"data_offsets":[${begin},${offset}]}`,
    );
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let cursor = 8 + headerLength;
  for (const { bytes } of encoded) {
    out.set(bytes, cursor);
    cursor += bytes.length;
  }
  return out;
}
