/**
 * Decoding image files (PNG, JPEG, WebP, AVIF, TIFF, GIF, ... through sharp) to sRGB RGB
 * in [0, 1]. The conversion rules are in `CONVERSION.md` beside this file.
 */
import { InvalidArgumentError, LimitExceededError, UnsupportedFormatError, errorCode } from '@ncomp/core';
import { DEFAULT_MAX_PIXELS, checkPixelLimit } from '@ncomp/models';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { DecodedImage, DecodedImagePixels, SourceChannels, SourceInfo } from './decoded-image.js';

/**
 * Reads and decodes an image file to interleaved sRGB RGB in [0, 1].
 *
 * Conversion (see `packages/cli/src/image/CONVERSION.md`):
 * - the EXIF orientation is applied, so `width` / `height` are those of the upright image;
 * - an embedded ICC profile (including CMYK) is converted to sRGB (perceptual intent);
 *   untagged images are taken to be sRGB already;
 * - grayscale is replicated to R = G = B;
 * - an alpha channel is composited onto white, `c' = a·c + (1 − a)`, in the
 *   sRGB-encoded values (the codec has no alpha channel); `source.channels` records it;
 * - 8-bit samples are divided by 255; deeper samples (16-bit PNG / TIFF, 10/12-bit AVIF,
 *   float TIFF) are decoded at 16 bits and divided by 65535, never passing through 8 bits;
 * - multi-frame files (GIF, multi-page TIFF) give their first frame.
 *
 * @param path - The image file.
 * @param options - `maxPixels`: refuse images with more pixels, from the header, before
 *   decoding them (default `DEFAULT_MAX_PIXELS` of @ncomp/models, 2^28).
 * @returns The decoded image and what the file held.
 * @throws LimitExceededError for an image above `maxPixels` (the message says how to raise it).
 * @throws InvalidArgumentError when there is no file at `path` (`no such file`) or it is a directory.
 * @throws UnsupportedFormatError when sharp cannot decode the file (the message names the
 *   path and quotes sharp).
 */
export async function readImage(path: string, options: { readonly maxPixels?: number } = {}): Promise<DecodedImage> {
  return asImage(await readSamples(path, options));
}

/**
 * {@link readImage} without the whole image as float32: the decoded samples are kept as
 * the file's integers (1 or 2 bytes each) and converted a row at a time when the codec
 * reads them, by the same rules. What `ncomp compress` uses, so that a 100-megapixel image
 * costs 300 MB of 8-bit samples instead of 1.2 GB of float32.
 * @throws As {@link readImage}.
 */
export async function readImagePixels(path: string, options: { readonly maxPixels?: number } = {}): Promise<DecodedImagePixels> {
  return asPixels(await readSamples(path, options));
}

/** The decoded samples of an image: interleaved 1-4 channels, `scale` their full-scale value. */
interface Samples {
  readonly samples: Uint8Array | Uint16Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly scale: number;
  readonly source: SourceInfo;
}

function asImage({ samples, width, height, channels, scale, source }: Samples): DecodedImage {
  return { rgb: toRgb01(samples, width * height, channels, scale), width, height, source };
}

function asPixels({ samples, width, height, channels, scale, source }: Samples): DecodedImagePixels {
  const row = (y: number): Float32Array => toRgb01(samples.subarray(y * width * channels, (y + 1) * width * channels), width, channels, scale);
  return { pixels: { width, height, row }, width, height, source };
}

/** The decoded samples of an image file (see {@link readImage} for the conversions sharp does). */
async function readSamples(path: string, options: { readonly maxPixels?: number }): Promise<Samples> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') throw new InvalidArgumentError(`no such file: ${path}`, { cause: err });
    if (code === 'EISDIR') throw new InvalidArgumentError(`expected an image file, found a directory: ${path}`, { cause: err });
    throw err;
  }
  return decodeSamples(file, path, options);
}

/**
 * Decodes an image file's bytes (e.g. read from stdin) as {@link readImage} decodes a file.
 * @param file - The encoded image (PNG, JPEG, WebP, ...).
 * @param name - What messages call it (a path, or `<stdin>`).
 * @param options - `maxPixels`, as for {@link readImage}.
 * @throws LimitExceededError for an image above `maxPixels`.
 * @throws UnsupportedFormatError when sharp cannot decode the bytes (the message names `name`).
 */
export async function decodeImage(file: Uint8Array, name: string, options: { readonly maxPixels?: number } = {}): Promise<DecodedImage> {
  return asImage(await decodeSamples(file, name, options));
}

/**
 * {@link decodeImage} keeping the file's integer samples, converted a row at a time (as
 * {@link readImagePixels}): what `ncomp compress -` uses for stdin.
 * @throws As {@link decodeImage}.
 */
export async function decodeImagePixels(file: Uint8Array, name: string, options: { readonly maxPixels?: number } = {}): Promise<DecodedImagePixels> {
  return asPixels(await decodeSamples(file, name, options));
}

/**
 * The samples of an image file's bytes.
 * @param file - The encoded image (PNG, JPEG, WebP, ...).
 * @param name - What messages call it (a path, or `<stdin>`).
 * @param options - `maxPixels`, as for {@link readImage}.
 * @throws LimitExceededError for an image above `maxPixels`.
 * @throws UnsupportedFormatError when sharp cannot decode the bytes (the message names `name`).
 */
async function decodeSamples(file: Uint8Array, name: string, options: { readonly maxPixels?: number }): Promise<Samples> {
  const undecodable = (err: unknown): UnsupportedFormatError =>
    new UnsupportedFormatError(`cannot decode ${name} as an image: ${err instanceof Error ? err.message.trim() : String(err)}`, { cause: err });

  let meta: sharp.Metadata;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw undecodable(err);
  }
  try {
    checkPixelLimit(meta.width, meta.height, { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS });
  } catch (err) {
    throw new LimitExceededError(`${name}: ${(err as Error).message}`, { cause: err });
  }
  const deep = meta.depth !== 'uchar' && meta.depth !== 'char';
  const colourChannels = meta.channels - (meta.hasAlpha ? 1 : 0);
  const channels: SourceChannels = colourChannels === 1 ? (meta.hasAlpha ? 'gray-alpha' : 'gray') : meta.hasAlpha ? 'rgba' : 'rgb';
  const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format;

  // Our own limit was checked above; sharp's (16383^2 pixels) would refuse a raised one.
  let pipeline = sharp(file, { limitInputPixels: false }).autoOrient();
  if (deep) {
    // sharp converts a tagged 16-bit RGB input to Display P3 (not sRGB) for processing;
    // asking for an sRGB output profile completes the conversion at 16 bits.
    if (meta.hasProfile && meta.space === 'rgb16') pipeline = pipeline.withIccProfile('srgb');
    pipeline = pipeline.toColourspace('rgb16').raw({ depth: 'ushort' });
  } else {
    pipeline = pipeline.toColourspace('srgb').raw();
  }
  let data: Buffer;
  let info: sharp.OutputInfo;
  try {
    ({ data, info } = await pipeline.toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw undecodable(err);
  }

  const samples = deep ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const scale = deep ? 65535 : 255;
  const { width, height, channels: outChannels } = info;
  if (outChannels < 1 || outChannels > 4 || samples.length !== width * height * outChannels) {
    throw new UnsupportedFormatError(`cannot decode ${name}: sharp returned ${samples.length} samples for ${width}×${height}×${outChannels}`);
  }
  return { samples, width, height, channels: outChannels, scale, source: { format, channels, bitDepth: deep ? 16 : 8 } };
}

/** Interleaved 1–4 channel samples (gray, gray+alpha, RGB, RGBA) to RGB in [0, 1] over white. */
function toRgb01(samples: Uint8Array | Uint16Array, pixels: number, channels: number, scale: number): Float32Array {
  const out = new Float32Array(pixels * 3);
  const hasAlpha = channels === 2 || channels === 4;
  const colour = hasAlpha ? channels - 1 : channels;
  for (let p = 0; p < pixels; p++) {
    const s = p * channels;
    const a = hasAlpha ? (samples[s + colour] as number) / scale : 1;
    for (let c = 0; c < 3; c++) {
      const v = (samples[s + (colour === 1 ? 0 : c)] as number) / scale;
      out[p * 3 + c] = hasAlpha ? a * v + (1 - a) : v;
    }
  }
  return out;
}
