/**
 * Writing RGB in [0, 1] as an 8 or 16-bit PNG, atomically and never over an existing file
 * unless asked.
 */
import { InvalidArgumentError, writeFileAtomic } from '@ncomp/core';
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
  const gray = options.channels === 'gray';
  const samples = gray ? channelMean(rgb01) : rgb01;
  const ints = bitDepth === 16 ? toUint16Rgb(samples) : toUint8Rgb(samples);
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
