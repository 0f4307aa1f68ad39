import type { CdfTables } from './cdf-tables.js';
import { checkLengths } from './checks.js';
import type { EntropyCoder } from './coder.js';
import { RansDecoder } from './rans-decoder.js';
import { RansEncoder, ransEncode } from './rans-encoder.js';

/**
 * The rANS coder: byte-wise renormalisation, two interleaved 30-bit states, precision 1..16 (see
 * {@link RansEncoder} and {@link RansDecoder}). Same API and escape scheme as {@link rangeCoder}; its streams are
 * not interchangeable with the range coder's.
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
