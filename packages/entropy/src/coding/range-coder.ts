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
 * const tables = CdfTables.fromPmfs([[0.1, 0.6, 0.29, 0.01]], [-1], 16);
 * const bytes = rangeCoder.encode(Int32Array.of(0, 1, -1, 40), new Int32Array(4), tables);
 * rangeCoder.decode(bytes, new Int32Array(4), tables); // Int32Array [0, 1, -1, 40]
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
