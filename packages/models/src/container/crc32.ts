/**
 * CRC-32 as in IEEE 802.3, zlib and PNG: reflected, polynomial 0xEDB88320, initial value
 * and final XOR 0xFFFFFFFF. Table-driven, one byte per step.
 */
import { InvalidArgumentError } from '@ncomp/core/errors';

let table: Uint32Array | undefined;

/** The 256-entry lookup table: the CRC of each byte value, built on first use. */
function crcTable(): Uint32Array {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  return table;
}

/**
 * CRC-32 (IEEE 802.3; reflected, polynomial 0xEDB88320) of `bytes`. The check value of the
 * ASCII string "123456789" is 0xCBF43926.
 *
 * @param bytes - The data.
 * @param seed - The CRC of the data that precedes `bytes`, to checksum a message in pieces:
 *   `crc32(b, crc32(a))` equals the CRC of `a` followed by `b`. Default 0 (no preceding data).
 * @returns The CRC as an unsigned 32-bit integer (0 .. 2^32 - 1).
 * @throws InvalidArgumentError when `bytes` is not a Uint8Array or `seed` is not an integer
 *   in 0 .. 2^32 - 1.
 */
export function crc32(bytes: Uint8Array, seed = 0): number {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(`crc32: expected a Uint8Array, found ${typeof bytes}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidArgumentError(`crc32: expected a seed in 0..4294967295 (a previous CRC), found ${String(seed)}`);
  }
  const t = crcTable();
  let c = ~seed;
  for (let i = 0; i < bytes.length; i++) {
    c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  }
  return ~c >>> 0;
}
