/**
 * Pixel conversions at the page's edges, the same as the CLI's (packages/cli/src/image):
 * RGBA bytes from a canvas to RGB in [0, 1] with alpha composited onto white, and the
 * codec's RGB in [0, 1] back to bytes, rounded to nearest after clamping.
 */

/** An image as the page holds it: 8-bit RGB, row-major, interleaved. */
export interface Rgb8 {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Canvas RGBA (not premultiplied) to RGB in [0, 1] over white, `c' = a·c + (1 − a)`; and whether any pixel was transparent. */
export function rgbaToRgb01(rgba: Uint8ClampedArray, width: number, height: number): { rgb: Float32Array; hadAlpha: boolean } {
  const n = width * height;
  const rgb = new Float32Array(n * 3);
  let hadAlpha = false;
  for (let i = 0; i < n; i++) {
    const a = (rgba[i * 4 + 3] as number) / 255;
    if (a < 1) hadAlpha = true;
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = a * ((rgba[i * 4 + c] as number) / 255) + (1 - a);
  }
  return { rgb, hadAlpha };
}

/** RGB in [0, 1] to bytes: clamp, then round to nearest (the CLI's `toUint8Rgb`). */
export function rgb01ToRgb8(rgb: Float32Array): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) {
    const x = rgb[i] as number;
    out[i] = Math.round((x <= 0 ? 0 : x >= 1 ? 1 : x) * 255);
  }
  return out;
}

/** 8-bit RGB from RGB in [0, 1] (already composited), for PSNR against decoded bytes. */
export function rgbaToRgb8(rgba: Uint8ClampedArray, width: number, height: number): Uint8Array {
  return rgb01ToRgb8(rgbaToRgb01(rgba, width, height).rgb);
}

/** Opaque RGBA for a canvas from 8-bit RGB. */
export function rgb8ToImageData(image: Rgb8): ImageData {
  const n = image.width * image.height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = image.data[i * 3] as number;
    rgba[i * 4 + 1] = image.data[i * 3 + 1] as number;
    rgba[i * 4 + 2] = image.data[i * 3 + 2] as number;
    rgba[i * 4 + 3] = 255;
  }
  return new ImageData(rgba, image.width, image.height);
}

/** PSNR in dB of two 8-bit images of the same size (peak 255); Infinity when identical. */
export function psnr8(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`psnr8: ${a.length} against ${b.length} samples`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    sum += d * d;
  }
  const mse = sum / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
