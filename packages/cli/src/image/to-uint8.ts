/**
 * Quantising [0, 1] samples to 8 or 16-bit integers.
 */
import { InvalidArgumentError } from '@ncomp/core';

/**
 * Rounds samples in [0, 1] to 8-bit integers: `round(clamp(x, 0, 1) · 255)`. Works on any
 * interleaved layout (typically HWC RGB).
 *
 * @param rgb01 - Samples, nominally in [0, 1]; values outside are clamped.
 * @returns A new array of the same length.
 * @throws InvalidArgumentError when a sample is NaN or infinite.
 */
export function toUint8Rgb(rgb01: Float32Array): Uint8Array {
  const out = new Uint8Array(rgb01.length);
  quantize(rgb01, out, 255);
  return out;
}

/**
 * Rounds samples in [0, 1] to 16-bit integers: `round(clamp(x, 0, 1) · 65535)`.
 *
 * @param rgb01 - Samples, nominally in [0, 1]; values outside are clamped.
 * @returns A new array of the same length.
 * @throws InvalidArgumentError when a sample is NaN or infinite.
 */
export function toUint16Rgb(rgb01: Float32Array): Uint16Array {
  const out = new Uint16Array(rgb01.length);
  quantize(rgb01, out, 65535);
  return out;
}

function quantize(src: Float32Array, dst: Uint8Array | Uint16Array, max: number): void {
  for (let i = 0; i < src.length; i++) {
    const x = src[i] as number;
    if (!Number.isFinite(x)) throw new InvalidArgumentError(`sample ${i} is ${x}; expected a finite value in [0, 1]`);
    dst[i] = Math.round((x <= 0 ? 0 : x >= 1 ? 1 : x) * max);
  }
}
