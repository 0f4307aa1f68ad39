/**
 * Writing RGB in [0, 1] as an 8 or 16-bit PNG, atomically and never over an existing file
 * unless asked.
 */
import { InvalidArgumentError, ShapeError, writeFileAtomic } from '@ncomp/core';
import sharp from 'sharp';
import { checkRgbSize } from './check.js';
import { toUint16Rgb, toUint8Rgb } from './to-uint8.js';

/** Options of {@link writePng}. */
export interface WritePngOptions {
  /** `rgb` writes a colour PNG; `gray` a grayscale PNG of the per-pixel channel mean. */
  readonly channels: 'gray' | 'rgb';
  /** Bits per sample. Default 8. */
  readonly bitDepth?: 8 | 16;
  /** Replace an existing file. When `false`, an existing file is refused. */
  readonly overwrite: boolean;
}

/**
 * Writes an HWC RGB image in [0, 1] as a PNG (no colour profile: sRGB is implied).
 * Samples are clamped to [0, 1] and rounded to 8 bits (`round(x·255)`) or 16 bits
 * (`round(x·65535)`, so a 16-bit image read by `readImage` is written back exactly). For
 * `channels: 'gray'` each pixel is the mean of its three channels, rounded once.
 *
 * The file is written atomically (temporary file, then moved into place).
 *
 * @param path - The PNG file to write; its directory must exist.
 * @param rgb01 - `width * height * 3` samples in HWC order.
 * @param width - Width in pixels.
 * @param height - Height in pixels.
 * @param options - See {@link WritePngOptions}.
 * @throws InvalidArgumentError when the file exists and `overwrite` is false (hint: "pass
 *   --force to replace it"), for a bad size, bit depth or channel layout, or for a NaN /
 *   infinite sample.
 * @throws ShapeError when `rgb01` does not hold `width * height * 3` samples.
 */
export async function writePng(path: string, rgb01: Float32Array, width: number, height: number, options: WritePngOptions): Promise<void> {
  const png = await encodePng(rgb01, width, height, options);
  await writeFileAtomic(path, png, { overwrite: options.overwrite, overwriteHint: 'pass --force to replace it' });
}

/**
 * Encodes an HWC RGB image in [0, 1] as PNG bytes, exactly as {@link writePng} writes them
 * (e.g. for stdout).
 * @param options - Channels and bit depth (see {@link WritePngOptions}).
 * @throws InvalidArgumentError for a bad size, bit depth or channel layout, or a NaN / infinite sample.
 * @throws ShapeError when `rgb01` does not hold `width * height * 3` samples.
 */
export async function encodePng(rgb01: Float32Array, width: number, height: number, options: Omit<WritePngOptions, 'overwrite'>): Promise<Uint8Array> {
  checkRgbSize(rgb01, width, height);
  const bitDepth = options.bitDepth ?? 8;
  if (bitDepth !== 8 && bitDepth !== 16) throw new InvalidArgumentError(`PNG bit depth must be 8 or 16, found ${String(bitDepth)}`);
  if (options.channels !== 'gray' && options.channels !== 'rgb')
    throw new InvalidArgumentError(`PNG channels must be "gray" or "rgb", found "${String(options.channels)}"`);
  return encodePngSamples(pngSamples(rgb01, options.channels === 'gray', bitDepth), width, height, options);
}

/**
 * The 8 or 16-bit samples a PNG stores for an HWC RGB image in [0, 1] (see
 * {@link writePng}): the channel mean for `gray`, clamped and rounded.
 */
export function pngSamples(rgb01: Float32Array, gray: boolean, bitDepth: 8 | 16): Uint8Array | Uint16Array {
  const samples = gray ? channelMean(rgb01) : rgb01;
  return bitDepth === 16 ? toUint16Rgb(samples) : toUint8Rgb(samples);
}

/**
 * {@link writePng} of samples already converted by `pngSamples`: `width * height`
 * (gray) or `width * height * 3` (RGB) 8 or 16-bit integers. `ncomp decompress` fills them
 * band by band, so that no float32 copy of the image exists.
 * @throws As {@link writePng}.
 */
export async function writePngSamples(path: string, ints: Uint8Array | Uint16Array, width: number, height: number, options: WritePngOptions): Promise<void> {
  const png = await encodePngSamples(ints, width, height, options);
  await writeFileAtomic(path, png, { overwrite: options.overwrite, overwriteHint: 'pass --force to replace it' });
}

/**
 * PNG bytes of samples already converted by `pngSamples` (as {@link writePngSamples}
 * writes them; e.g. for stdout).
 * @throws InvalidArgumentError for a bad channel layout; ShapeError for a sample count that
 *   does not match the size.
 */
export async function encodePngSamples(
  ints: Uint8Array | Uint16Array,
  width: number,
  height: number,
  options: Omit<WritePngOptions, 'overwrite'>,
): Promise<Uint8Array> {
  const gray = options.channels === 'gray';
  const bitDepth = ints instanceof Uint16Array ? 16 : 8;
  if (options.channels !== 'gray' && options.channels !== 'rgb')
    throw new InvalidArgumentError(`PNG channels must be "gray" or "rgb", found "${String(options.channels)}"`);
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 || ints.length !== width * height * (gray ? 1 : 3)) {
    throw new ShapeError(`writePngSamples needs ${gray ? 1 : 3} samples per pixel for ${width}x${height}, found ${ints.length}`);
  }
  const space = gray ? (bitDepth === 16 ? 'grey16' : 'b-w') : bitDepth === 16 ? 'rgb16' : 'srgb';
  const png = await sharp(ints, { raw: { width, height, channels: gray ? 1 : 3 } })
    .toColourspace(space)
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Per-pixel mean of interleaved RGB. */
function channelMean(rgb: Float32Array): Float32Array {
  const out = new Float32Array(rgb.length / 3);
  for (let p = 0; p < out.length; p++) out[p] = ((rgb[3 * p] as number) + (rgb[3 * p + 1] as number) + (rgb[3 * p + 2] as number)) / 3;
  return out;
}
