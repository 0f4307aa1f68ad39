import * as tf from '@tensorflow/tfjs-core';
import { ModelMismatchError, NcompError } from '@ncomp/core/errors';
import { CdfTables } from '../coding/cdf-tables.js';
import type { IntegerTables } from './build-tables.js';

/** State-dict keys under which an entropy model stores its integer tables. */
export const TABLE_KEYS = ['cdf', 'cdf_length', 'cdf_offset'] as const;

/** The integer tables as int32 tensors for a state dict (the caller owns them). */
export function tablesToState(t: IntegerTables): Record<string, tf.Tensor> {
  const { tables, cdf, width } = t;
  return {
    cdf: tf.tensor2d(cdf, [tables.count, width], 'int32'),
    cdf_length: tf.tensor1d(tables.lengths, 'int32'),
    cdf_offset: tf.tensor1d(tables.offsets, 'int32'),
  };
}

/**
 * Reads integer tables back from state-dict entries, validating them fully.
 *
 * @param dict - Holds `cdf` [count, width], `cdf_length` [count], `cdf_offset` [count], int32.
 * @param precision - The model's coder precision.
 * @param count - Number of tables the model expects.
 * @throws ModelMismatchError naming what is missing, mis-shaped or invalid.
 */
export function tablesFromState(dict: Readonly<Record<string, unknown>>, precision: number, count: number): IntegerTables {
  const get = (key: string, rank: number): tf.Tensor => {
    const v = dict[key];
    if (!(v instanceof tf.Tensor)) throw new ModelMismatchError(`entropy model state: missing integer table "${key}"`);
    if (v.dtype !== 'int32' || v.rank !== rank || v.shape[0] !== count) {
      throw new ModelMismatchError(`entropy model state: "${key}" must be int32 of rank ${rank} with ${count} rows, found ${v.dtype} [${v.shape.join(', ')}]`);
    }
    return v;
  };
  const cdfT = get('cdf', 2);
  const cdf = Int32Array.from(cdfT.dataSync());
  const width = cdfT.shape[1]!;
  const lengths = get('cdf_length', 1).dataSync();
  const offsets = get('cdf_offset', 1).dataSync();
  try {
    return { tables: CdfTables.fromPadded(cdf, lengths, offsets, precision, width), cdf, width };
  } catch (e) {
    if (e instanceof NcompError) {
      throw new ModelMismatchError(`entropy model state: the integer tables are invalid for precision ${precision}: ${e.message}`, {
        cause: e,
      });
    }
    throw e;
  }
}
