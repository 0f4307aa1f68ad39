/**
 * The in-memory form of a decoded image file.
 */
import type { ImagePixels } from '@ncomp/models';

/**
 * Channel layout of an image file before conversion: gray, gray with alpha, colour, or
 * colour with alpha. CMYK and palette images count as colour (`rgb` / `rgba`).
 */
export type SourceChannels = 'gray' | 'gray-alpha' | 'rgb' | 'rgba';

/** What an image file held before it was converted to sRGB RGB in [0, 1]. */
export interface SourceInfo {
  /**
   * The container format as sharp names it (`png`, `jpeg`, `webp`, `tiff`, `gif`, ...),
   * except that AV1-coded HEIF files are reported as `avif`.
   */
  readonly format: string;
  /** The channel layout of the file. */
  readonly channels: SourceChannels;
  /** 8 for 8-bit (or lower) samples; 16 for anything deeper (16-bit, 32-bit, float, 10/12-bit AVIF). */
  readonly bitDepth: 8 | 16;
}

/**
 * A decoded image: interleaved RGB (height × width × 3, row-major) in [0, 1], sRGB
 * encoded (not linear light), plus what the file held before conversion.
 */
export interface DecodedImage {
  /** Samples in HWC order, `width * height * 3` values, each in [0, 1]. */
  readonly rgb: Float32Array;
  /** Width in pixels, after EXIF orientation. */
  readonly width: number;
  /** Height in pixels, after EXIF orientation. */
  readonly height: number;
  /** The file's format, channel layout and bit depth. */
  readonly source: SourceInfo;
}

/** An image read by `readImagePixels`: its rows, converted from the file's samples when read. */
export interface DecodedImagePixels {
  /** The rows, RGB in [0, 1] (see `ImagePixels` of @ncomp/models). */
  readonly pixels: ImagePixels;
  /** Width in pixels, after EXIF orientation. */
  readonly width: number;
  /** Height in pixels, after EXIF orientation. */
  readonly height: number;
  /** The file's format, channel layout and bit depth. */
  readonly source: SourceInfo;
}
