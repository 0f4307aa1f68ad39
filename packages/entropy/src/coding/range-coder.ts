import type { CdfTables } from './cdf-tables.js';
import { checkLengths } from './checks.js';
import type { EntropyCoder } from './coder.js';
import { RangeDecoder } from './range-decoder.js';
import { RangeEncoder } from './range-encoder.js';

/**
 * The range coder: 32-bit window, exact interval splitting, carry-safe, precision
 * 1..16 (see {@link RangeEncoder} for its invariants). Streams carry no header; the
 * decoder must be given the same tables and index sequence.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { CdfTables, rangeCoder } from '@ncomp/entropy/coding';
 *
 * // One table: values -1, 0, 1 with these masses, then the escape mass (anything else).
 * const tables = CdfTables.fromPmfs([[0.1, 0.6, 0.29, 0.01]], [-1], 16);
 * const values = Int32Array.of(0, 1, -1, 40); // 40 is outside the table: escape-coded
 * const indexes = new Int32Array(values.length); // every value uses table 0
 * const bytes = rangeCoder.encode(values, indexes, tables);
 * assert.deepEqual(rangeCoder.decode(bytes, indexes, tables), values);
 * ```
 */
export const rangeCoder: EntropyCoder = {
  name: 'range',
  encode(values, indexes, tables) {
    checkLengths(values, indexes);
    const enc = new RangeEncoder(tables, Math.max(64, values.length >> 1));
    enc.encodeRun(values, indexes);
    return enc.finish();
  },
  decode(bytes, indexes, tables) {
    return new RangeDecoder(bytes, tables).decodeAll(indexes);
  },
  createEncoder: (tables: CdfTables) => new RangeEncoder(tables),
  createDecoder: (bytes: Uint8Array, tables: CdfTables) => new RangeDecoder(bytes, tables),
};
