/**
 * Byte order handling. Safetensors data is little-endian; JavaScript typed arrays use
 * the host's order. Every mainstream host is little-endian, but the reader and writer
 * still swap on a big-endian host rather than silently producing wrong values.
 */

/** True when the host stores multi-byte numbers little-endian (the file's order). */
export const HOST_IS_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reverses the bytes of each `itemSize`-byte element in place (little- <-> big-endian).
 *
 * @param bytes - Element data; its length must be a multiple of `itemSize`.
 * @param itemSize - Bytes per element (1, 2, 4 or 8); 1 is a no-op.
 */
export function swapBytesInPlace(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let lo = i, hi = i + itemSize - 1; lo < hi; lo++, hi--) {
      const t = bytes[lo]!;
      bytes[lo] = bytes[hi]!;
      bytes[hi] = t;
    }
  }
}

/**
 * Converts element data between the file's little-endian order and the host's order,
 * in place. A no-op on little-endian hosts.
 *
 * @param bytes - Element data; its length must be a multiple of `itemSize`.
 * @param itemSize - Bytes per element.
 */
export function littleEndianToHostInPlace(bytes: Uint8Array, itemSize: number): void {
  if (!HOST_IS_LITTLE_ENDIAN) swapBytesInPlace(bytes, itemSize);
}
