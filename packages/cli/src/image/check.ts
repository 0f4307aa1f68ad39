/**
 * Argument checks shared by the image helpers.
 */
import { InvalidArgumentError, ShapeError } from '@ncomp/core';

/**
 * Checks that `width` and `height` are positive integers and that `rgb` holds
 * `width * height * 3` samples.
 *
 * @param rgb - HWC RGB samples.
 * @param width - Width in pixels.
 * @param height - Height in pixels.
 * @param what - Name of the array in messages.
 * @throws InvalidArgumentError for a size that is not a positive integer.
 * @throws ShapeError when the array length does not match the size.
 */
export function checkRgbSize(rgb: ArrayLike<number>, width: number, height: number, what = 'image'): void {
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new InvalidArgumentError(`${what} size must be positive integers, found ${width}×${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new ShapeError(`${what} of ${width}×${height} RGB needs ${width * height * 3} samples, found ${rgb.length}`);
  }
}
