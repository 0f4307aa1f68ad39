import type { CdfTables } from './cdf-tables.js';
import { checkLengths } from './checks.js';
import type { EntropyCoder } from './coder.js';
import { RansDecoder } from './rans-decoder.js';
import { RansEncoder, ransEncode } from './rans-encoder.js';

/**
 * The rANS coder: byte-wise renormalisation, two interleaved 30-bit states, precision 1..16 (see
 * {@link RansEncoder} and {@link RansDecoder}). Same API and escape scheme as {@link rangeCoder}; its streams are
 * not interchangeable with the range coder's.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { CdfTables, ransCoder } from '@ncomp/entropy/coding';
 *
 * // Two tables ("contexts"): a narrow one around 0 and a wide one from -4; escape mass last.
 * const tables = CdfTables.fromPmfs(
 *   [
 *     [0.2, 0.6, 0.2, 1e-3],
 *     [1, 1, 1, 1, 1, 1, 1, 1, 1e-3],
 *   ],
 *   [-1, -4],
 *   16,
 * );
 * const values = Int32Array.of(0, 0, 1, -3, 4, 2 ** 31 - 1);
 * const indexes = Int32Array.of(0, 0, 0, 1, 1, 1); // the table of each value
 * const bytes = ransCoder.encode(values, indexes, tables);
 * assert.deepEqual(ransCoder.decode(bytes, indexes, tables), values);
 * ```
 */
export const ransCoder: EntropyCoder = {
  name: 'rans',
  encode(values, indexes, tables) {
    checkLengths(values, indexes);
    return ransEncode(values, indexes, tables);
  },
  decode(bytes, indexes, tables) {
    return new RansDecoder(bytes, tables).decodeAll(indexes);
  },
  createEncoder: (tables: CdfTables) => new RansEncoder(tables),
  createDecoder: (bytes: Uint8Array, tables: CdfTables) => new RansDecoder(bytes, tables),
};
