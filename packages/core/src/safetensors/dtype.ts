/**
 * The safetensors element types this package reads and writes, their sizes, and the
 * typed arrays that hold their decoded values.
 */

/**
 * Every supported safetensors dtype, in the order of the reference implementation's
 * `Dtype` enum (huggingface/safetensors). The writer lays tensors out by this order
 * (largest first) so that each tensor's data is aligned to its item size, as the
 * reference writer does. The 8-bit float formats (F8_E5M2, F8_E4M3) are not supported.
 */
export const SAFETENSORS_DTYPES = ['BOOL', 'U8', 'I8', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'] as const;

/** A safetensors element type name as it appears in a file header (`"F32"`, `"I64"`, ...). */
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/**
 * The JavaScript typed array that holds the decoded values of each dtype.
 *
 * - `F16` and `BF16` are decoded to (and written from) `Float32Array`; every half or
 *   bfloat16 value is exactly representable in float32.
 * - `I64` / `U64` are decoded to `BigInt64Array` / `BigUint64Array` so that no value is
 *   ever rounded; converting them to a tensor is the caller's (or `state/`'s) decision.
 * - `BOOL` is a `Uint8Array` whose every element is 0 or 1.
 */
export interface SafetensorsDataTypes {
  /** Booleans, one byte each, 0 or 1. */
  BOOL: Uint8Array;
  /** Unsigned 8-bit integers. */
  U8: Uint8Array;
  /** Signed 8-bit integers. */
  I8: Int8Array;
  /** Signed 16-bit integers. */
  I16: Int16Array;
  /** Unsigned 16-bit integers. */
  U16: Uint16Array;
  /** IEEE binary16 values, decoded exactly to float32. */
  F16: Float32Array;
  /** bfloat16 values, decoded exactly to float32. */
  BF16: Float32Array;
  /** Signed 32-bit integers. */
  I32: Int32Array;
  /** Unsigned 32-bit integers. */
  U32: Uint32Array;
  /** IEEE binary32 floats. */
  F32: Float32Array;
  /** IEEE binary64 floats. */
  F64: Float64Array;
  /** Signed 64-bit integers, as bigints (never rounded). */
  I64: BigInt64Array;
  /** Unsigned 64-bit integers, as bigints (never rounded). */
  U64: BigUint64Array;
}

/**
 * One tensor of a safetensors file: dtype, shape (row-major, outermost first, as in
 * PyTorch / NumPy) and decoded values. A discriminated union on `dtype`, so checking
 * `t.dtype === 'I64'` narrows `t.data` to `BigInt64Array`. `data.length` equals the
 * product of `shape` (1 for a scalar, shape `[]`).
 */
export type SafetensorsTensor = {
  [D in SafetensorsDtype]: {
    /** The element type in the file. */
    readonly dtype: D;
    /** Dimensions, outermost first (row-major data). */
    readonly shape: readonly number[];
    /** The elements, in the typed array of {@link SafetensorsDataTypes} for the dtype. */
    readonly data: SafetensorsDataTypes[D];
  };
}[SafetensorsDtype];

/** Bytes per element of each dtype in the file's byte buffer. */
export const SAFETENSORS_ITEM_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/**
 * True when `name` is a dtype this package supports.
 *
 * @param name - A dtype string, typically from a file header.
 */
export function isSafetensorsDtype(name: string): name is SafetensorsDtype {
  return (SAFETENSORS_DTYPES as readonly string[]).includes(name);
}

/**
 * Number of elements of a tensor of the given shape (1 for shape `[]`).
 *
 * @param shape - Dimensions, each a non-negative safe integer (checked by callers).
 * @returns The product of the dimensions, or `undefined` when it exceeds
 *   `Number.MAX_SAFE_INTEGER` (so callers can report an impossible size instead of
 *   computing with a rounded number).
 */
export function numElements(shape: readonly number[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}
