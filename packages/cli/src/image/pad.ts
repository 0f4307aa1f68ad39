/**
 * Padding an image to a multiple of a codec's stride, and cropping it back.
 */
import { InvalidArgumentError } from '@ncomp/core';
import { checkRgbSize } from './check.js';

/** An HWC RGB image with its size, as returned by {@link padImage}. */
export interface PaddedImage {
  /** Samples in HWC order, `width * height * 3` values. */
  readonly rgb: Float32Array;
  /** Width after padding, a multiple of the requested multiple. */
  readonly width: number;
  /** Height after padding, a multiple of the requested multiple. */
  readonly height: number;
}

/**
 * Pads an HWC RGB image on the right and bottom to the next multiples of `multiple`,
 * replicating the last column and row (replicate / edge padding, which adds fewer bits
 * than zeros would). {@link cropImage} with the original size undoes it.
 *
 * @param rgb - HWC RGB samples of a `width` × `height` image.
 * @param width - Width in pixels.
 * @param height - Height in pixels.
 * @param multiple - The stride to pad to (e.g. 64 for a model that downsamples 64×), a positive integer.
 * @returns A new array (a copy even when no padding is needed) and the padded size.
 * @throws InvalidArgumentError for a size or multiple that is not a positive integer.
 * @throws ShapeError when `rgb` does not hold `width * height * 3` samples.
 */
export function padImage(rgb: Float32Array, width: number, height: number, multiple: number): PaddedImage {
  checkRgbSize(rgb, width, height);
  if (!Number.isInteger(multiple) || multiple < 1) throw new InvalidArgumentError(`multiple must be a positive integer, found ${multiple}`);
  const pw = Math.ceil(width / multiple) * multiple;
  const ph = Math.ceil(height / multiple) * multiple;
  const out = new Float32Array(pw * ph * 3);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(y, height - 1);
    const row = rgb.subarray(sy * width * 3, (sy + 1) * width * 3);
    const o = y * pw * 3;
    out.set(row, o);
    const last = row.subarray((width - 1) * 3);
    for (let x = width; x < pw; x++) out.set(last, o + x * 3);
  }
  return { rgb: out, width: pw, height: ph };
}

/**
 * Crops the top-left `cropWidth` × `cropHeight` region of an HWC RGB image: the inverse
 * of {@link padImage}.
 *
 * @param rgb - HWC RGB samples of a `width` × `height` image.
 * @param width - Width in pixels.
 * @param height - Height in pixels.
 * @param cropWidth - Width to keep, 1..`width`.
 * @param cropHeight - Height to keep, 1..`height`.
 * @returns A new array of `cropWidth * cropHeight * 3` samples.
 * @throws InvalidArgumentError for sizes that are not positive integers or a crop larger than the image.
 * @throws ShapeError when `rgb` does not hold `width * height * 3` samples.
 */
export function cropImage(rgb: Float32Array, width: number, height: number, cropWidth: number, cropHeight: number): Float32Array {
  checkRgbSize(rgb, width, height);
  if (!Number.isInteger(cropWidth) || !Number.isInteger(cropHeight) || cropWidth < 1 || cropHeight < 1 || cropWidth > width || cropHeight > height) {
    throw new InvalidArgumentError(`crop ${cropWidth}×${cropHeight} must be positive integers within the image's ${width}×${height}`);
  }
  const out = new Float32Array(cropWidth * cropHeight * 3);
  for (let y = 0; y < cropHeight; y++) out.set(rgb.subarray(y * width * 3, (y * width + cropWidth) * 3), y * cropWidth * 3);
  return out;
}
