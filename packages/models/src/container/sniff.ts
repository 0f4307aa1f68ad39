/**
 * Recognising common file formats from their first bytes, so that a file that is not an
 * ncomp container is refused with a message that says what it seems to be instead.
 */

/** Lower-case hex of `bytes`, bytes separated by spaces: `89 50 4e 47`. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

/**
 * A name for the format `bytes` seems to be in, judged by its first bytes only, or
 * `undefined` when none is recognised. Knows PNG, JPEG, WebP (and other RIFF files), GIF,
 * BMP, TIFF, ISO-BMFF images (AVIF/HEIC), gzip, ZIP and safetensors (ncomp model files).
 *
 * @param bytes - The start of a file (at least the first 12 bytes for every check to apply).
 * @returns For example `"PNG"`, or `undefined`.
 */
export function guessFormat(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return 'PNG';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'JPEG';
  if (startsWith(bytes, ascii('RIFF'))) {
    return startsWith(bytes, ascii('WEBP'), 8) ? 'WebP' : 'a RIFF file (WAV/AVI/WebP family)';
  }
  if (startsWith(bytes, ascii('GIF8'))) return 'GIF';
  if (startsWith(bytes, ascii('BM'))) return 'BMP';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'TIFF';
  if (startsWith(bytes, ascii('ftyp'), 4)) return 'an ISO-BMFF file (AVIF/HEIC/MP4)';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(bytes, ascii('PK'))) return 'ZIP';
  // safetensors: an 8-byte little-endian header length (well below 2^32), then "{".
  if (bytes.length >= 9 && bytes[8] === 0x7b && bytes[4] === 0 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) {
    return 'a safetensors file (an ncomp model file?)';
  }
  return undefined;
}
