/**
 * A small PNG decoder for tests (no image package is installed in this repository):
 * 8-bit grayscale, gray + alpha, RGB, RGBA and palette images, non-interlaced, every
 * filter type. Not part of the public API.
 */
import { inflateSync } from 'node:zlib';
import { CorruptStreamError, UnsupportedFormatError } from '@ncomp/core';

/** A decoded PNG: row-major pixels with `channels` bytes each. */
export interface DecodedPng {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA); palette images decode to RGB / RGBA. */
  readonly channels: number;
  /** `height * width * channels` bytes. */
  readonly data: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG chunks use it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Channels per color type (8-bit samples). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Decodes a PNG file.
 *
 * @param bytes - The whole file.
 * @throws CorruptStreamError for a bad signature, chunk, CRC, or image data;
 *   UnsupportedFormatError for bit depths other than 8 or interlaced images.
 */
export function decodePng(bytes: Uint8Array): DecodedPng {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new CorruptStreamError('png: not a PNG file (bad signature)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let header: { width: number; height: number; bitDepth: number; colorType: number; interlace: number } | undefined;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (pos + 12 > bytes.length) throw new CorruptStreamError(`png: truncated chunk at byte ${pos}`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + length > bytes.length) throw new CorruptStreamError(`png: chunk ${type} overruns the file`);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    const crc = view.getUint32(pos + 8 + length);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== crc) throw new CorruptStreamError(`png: bad CRC in chunk ${type}`);
    pos += 12 + length;
    if (type === 'IHDR') {
      if (length !== 13) throw new CorruptStreamError('png: IHDR must be 13 bytes');
      const d = new DataView(data.buffer, data.byteOffset, 13);
      header = {
        width: d.getUint32(0),
        height: d.getUint32(4),
        bitDepth: data[8]!,
        colorType: data[9]!,
        interlace: data[12]!,
      };
    } else if (type === 'PLTE') {
      palette = data;
    } else if (type === 'tRNS') {
      transparency = data;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
    }
  }
  if (header === undefined) throw new CorruptStreamError('png: no IHDR chunk');
  const { width, height, bitDepth, colorType, interlace } = header;
  const stored = CHANNELS[colorType];
  if (stored === undefined) throw new CorruptStreamError(`png: invalid color type ${colorType}`);
  if (bitDepth !== 8) throw new UnsupportedFormatError(`png: only 8-bit images are supported, found bit depth ${bitDepth}`);
  if (interlace !== 0) throw new UnsupportedFormatError('png: interlaced (Adam7) images are not supported');
  if (width === 0 || height === 0) throw new CorruptStreamError('png: empty image');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * stored;
  if (raw.length !== height * (stride + 1)) {
    throw new CorruptStreamError(`png: expected ${height * (stride + 1)} bytes of image data, found ${raw.length}`);
  }
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const out = y * stride;
    const prev = out - stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= stored ? pixels[out + i - stored]! : 0;
      const b = y > 0 ? pixels[prev + i]! : 0;
      const c = y > 0 && i >= stored ? pixels[prev + i - stored]! : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4:
          predictor = paeth(a, b, c);
          break;
        default:
          throw new CorruptStreamError(`png: invalid filter type ${filter} in row ${y}`);
      }
      pixels[out + i] = (raw[src + i]! + predictor) & 0xff;
    }
  }
  if (colorType !== 3) return { width, height, channels: stored, data: pixels };
  if (palette === undefined || palette.length % 3 !== 0) throw new CorruptStreamError('png: palette image without a valid PLTE');
  const alpha = transparency;
  const channels = alpha !== undefined ? 4 : 3;
  const rgb = new Uint8Array(width * height * channels);
  for (let i = 0; i < pixels.length; i++) {
    const index = pixels[i]!;
    if (3 * index + 2 >= palette.length) throw new CorruptStreamError(`png: palette index ${index} out of range`);
    for (let k = 0; k < 3; k++) rgb[i * channels + k] = palette[3 * index + k]!;
    if (alpha !== undefined) rgb[i * channels + 3] = index < alpha.length ? alpha[index]! : 255;
  }
  return { width, height, channels, data: rgb };
}
