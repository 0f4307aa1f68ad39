/**
 * Conversion between state dicts of TensorFlow.js tensors and safetensors data.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, UnsupportedFormatError } from '../errors/index.js';
import type { StateDict } from '../module/index.js';
import type { SafetensorsFile, SafetensorsTensor } from '../safetensors/index.js';
import { readSafetensors, writeSafetensors } from '../safetensors/index.js';

/** The safetensors dtype float32 tensors are stored as. */
export type FloatStorageDtype = 'F32' | 'F16' | 'BF16';

/** Options of {@link stateDictToSafetensors}. */
export interface StateDictToSafetensorsOptions {
  /** String metadata stored in the file's `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * How float32 tensors are stored: `F32` (default, exact), or `F16` / `BF16` (half the
   * size; values rounded to nearest, ties to even, F16 overflowing to ±Infinity beyond
   * 65504).
   */
  readonly floatDtype?: FloatStorageDtype;
}

/**
 * Reads a state dict's tensors into safetensors tensors (float32 -> `floatDtype`,
 * int32 -> I32, bool -> BOOL). Reads data asynchronously, so GPU backends are not
 * blocked. The dict is not disposed.
 *
 * @throws InvalidArgumentError for a non-tensor entry or a dtype other than float32,
 *   int32 or bool.
 */
export async function stateDictToSafetensorsTensors(
  dict: Readonly<Record<string, tf.Tensor>>,
  floatDtype: FloatStorageDtype = 'F32',
): Promise<Map<string, SafetensorsTensor>> {
  const entries = Object.entries(dict);
  for (const [name, t] of entries) {
    if (!(t instanceof tf.Tensor) || t.isDisposed) {
      throw new InvalidArgumentError(`state dict entry "${name}" must be a live tf.Tensor`);
    }
    if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
      throw new InvalidArgumentError(`state dict entry "${name}" has dtype ${t.dtype}; only float32, int32 and bool tensors can be saved`);
    }
  }
  const out = new Map<string, SafetensorsTensor>();
  for (const [name, t] of entries) {
    const shape = [...t.shape];
    const data = await t.data();
    if (t.dtype === 'float32') out.set(name, { dtype: floatDtype, shape, data: data as Float32Array });
    else if (t.dtype === 'int32') out.set(name, { dtype: 'I32', shape, data: data as Int32Array });
    // Backends return bool data as Uint8Array of 0/1 (some as Int32Array): normalize.
    else out.set(name, { dtype: 'BOOL', shape, data: Uint8Array.from(data as ArrayLike<number>, (v) => (v ? 1 : 0)) });
  }
  return out;
}

/**
 * Serializes a state dict (dotted path -> tensor) to safetensors bytes.
 *
 * float32 tensors become `F32` (or `F16`/`BF16` with `floatDtype`), int32 `I32`, bool
 * `BOOL`; shapes are kept as they are (TF.js layout; no transposition). The dict is
 * not disposed; the caller still owns its tensors.
 *
 * @param dict - Tensors by name, e.g. from `Module.stateDict()`.
 * @param options - Metadata and float storage dtype.
 * @returns The complete safetensors file (deterministic; see `writeSafetensors`).
 * @throws InvalidArgumentError for non-tensor entries or unsupported dtypes (string,
 *   complex64).
 */
export async function stateDictToSafetensors(dict: Readonly<Record<string, tf.Tensor>>, options: StateDictToSafetensorsOptions = {}): Promise<Uint8Array> {
  const tensors = await stateDictToSafetensorsTensors(dict, options.floatDtype);
  return writeSafetensors(tensors, options.metadata === undefined ? {} : { metadata: options.metadata });
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Converts one decoded tensor to the data and dtype of a TF.js tensor. TF.js has only
 * float32, int32 and bool, so wider integer types are narrowed when every value fits
 * and refused otherwise.
 */
function toTfData(name: string, t: SafetensorsTensor, copy: boolean): { data: Float32Array | Int32Array | Uint8Array; dtype: WeightDtypeOut } {
  switch (t.dtype) {
    case 'F32':
    case 'F16':
    case 'BF16':
      return { data: copy ? t.data.slice() : t.data, dtype: 'float32' };
    case 'F64':
      // Narrowed to float32 (round to nearest): TF.js has no float64 tensors.
      return { data: Float32Array.from(t.data), dtype: 'float32' };
    case 'I32':
      return { data: copy ? t.data.slice() : t.data, dtype: 'int32' };
    case 'I8':
    case 'I16':
    case 'U8':
    case 'U16':
      return { data: Int32Array.from(t.data), dtype: 'int32' };
    case 'U32':
    case 'I64':
    case 'U64': {
      const out = new Int32Array(t.data.length);
      for (let i = 0; i < t.data.length; i++) {
        const v = Number(t.data[i]!);
        if (v < INT32_MIN || v > INT32_MAX) {
          throw new UnsupportedFormatError(
            `safetensors tensor "${name}" is ${t.dtype} and element ${i} is ${t.data[i]}, outside the int32 range ` +
              `[${INT32_MIN}, ${INT32_MAX}] of TensorFlow.js tensors`,
          );
        }
        out[i] = v;
      }
      return { data: out, dtype: 'int32' };
    }
    case 'BOOL':
      return { data: copy ? t.data.slice() : t.data, dtype: 'bool' };
  }
}

type WeightDtypeOut = 'float32' | 'int32' | 'bool';

/**
 * Decodes safetensors data into a state dict of new tensors, owned by the caller.
 *
 * Dtype mapping (TF.js has only float32, int32 and bool): F32, F16, BF16 -> float32
 * (exact); F64 -> float32 (rounded to nearest); I32, I16, I8, U16, U8 -> int32 (exact);
 * I64, U64, U32 -> int32 when every value lies in the int32 range, otherwise refused;
 * BOOL -> bool. Shapes are kept as stored (no layout conversion: PyTorch OIHW conv
 * weights stay OIHW). Either every tensor is created or none is.
 *
 * @param source - File bytes, or an already decoded file from `readSafetensors`.
 * @returns Tensors by name; dispose them when done (e.g. after `loadStateDict`).
 * @throws CorruptStreamError / UnsupportedFormatError from decoding the bytes;
 *   UnsupportedFormatError for 64-bit or unsigned 32-bit values outside int32.
 */
export function safetensorsToStateDict(source: Uint8Array | SafetensorsFile): StateDict {
  // Some backends (cpu) keep the array given to tf.tensor as the tensor's storage. Arrays
  // decoded here are private, but a caller's decoded file must not alias the tensors.
  return source instanceof Uint8Array ? decodedToStateDict(readSafetensors(source), false) : decodedToStateDict(source, true);
}

/**
 * {@link safetensorsToStateDict} for an already decoded file. With `copy` false the
 * tensors may take over the file's arrays (for callers that own them privately).
 */
export function decodedToStateDict(file: SafetensorsFile, copy: boolean): StateDict {
  // Convert (and validate) everything first, so a refusal leaves no tensors behind.
  const converted = [...file.tensors].map(([name, t]) => [name, t.shape, toTfData(name, t, copy)] as const);
  const dict: StateDict = {};
  for (const [name, shape, { data, dtype }] of converted) {
    // defineProperty: a tensor named "__proto__" must become an entry, not a prototype.
    Object.defineProperty(dict, name, {
      value: tf.tensor(data, [...shape], dtype),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return dict;
}
