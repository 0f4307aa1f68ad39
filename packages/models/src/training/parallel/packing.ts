import { ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';

/** Total number of elements of the tensors. */
export function totalSize(tensors: readonly { readonly shape: readonly number[] }[]): number {
  return tensors.reduce((n, t) => n + tf.util.sizeFromShape([...t.shape]), 0);
}

/** The values of float32 tensors, concatenated in order into one new Float32Array. */
export function packTensors(tensors: readonly tf.Tensor[]): Float32Array<ArrayBuffer> {
  const out = new Float32Array(totalSize(tensors));
  let offset = 0;
  for (const t of tensors) {
    const data = t.dataSync() as Float32Array;
    out.set(data, offset);
    offset += data.length;
  }
  return out;
}

/**
 * Assigns consecutive runs of `values` to the variables, in order.
 * @throws ShapeError when `values` does not hold exactly their elements.
 */
export function assignPacked(vars: readonly tf.Variable[], values: Float32Array): void {
  const expected = totalSize(vars);
  if (values.length !== expected) throw new ShapeError(`packed weights hold ${values.length} values, expected ${expected}`);
  let offset = 0;
  for (const v of vars) {
    const n = v.size;
    const part = values.subarray(offset, offset + n);
    offset += n;
    tf.tidy(() => v.assign(tf.tensor(part, v.shape, 'float32')));
  }
}

/**
 * Splits `n` items into `parts` consecutive runs as even as possible, the longer runs
 * first (8 into 2: [4, 4]; 5 into 2: [3, 2]; 1 into 2: [1, 0]).
 */
export function splitSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}
