/**
 * Running classical codecs at given qualities, or at the quality that matches a bitrate.
 */
import { InvalidArgumentError } from '@ncomp/core';
import { toUint8Rgb } from '../image/index.js';
import { decodeClassical, encodeClassical, type ClassicalCodec } from './classical-codec.js';

/** An image to compress with a classical codec (a `DecodedImage` fits). */
export interface BaselineImage {
  /** Interleaved RGB (HWC) in [0, 1], `width * height * 3` samples; rounded to 8 bits for coding. */
  readonly rgb: Float32Array;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** One classical-codec operating point: what was coded and what came back. */
export interface ClassicalResult {
  /** The codec. */
  readonly codec: ClassicalCodec;
  /** The integer quality used, 1..100. */
  readonly quality: number;
  /** The encoded file. */
  readonly bytes: Uint8Array;
  /** Bits per pixel of the whole file (headers included): `8 · bytes / (width · height)`. */
  readonly bpp: number;
  /** The decoded image, HWC RGB in [0, 1]. */
  readonly reconstruction: Float32Array;
}

/**
 * Encodes and decodes an image at each given quality, in order.
 *
 * @param image - The image.
 * @param codec - The codec.
 * @param qualities - Integer qualities 1..100.
 * @returns One result per quality, in the order given.
 * @throws InvalidArgumentError for a quality outside 1..100 (and see `encodeClassical`).
 */
export async function classicalAtQualities(image: BaselineImage, codec: ClassicalCodec, qualities: readonly number[]): Promise<ClassicalResult[]> {
  const rgb8 = toUint8Rgb(image.rgb);
  const out: ClassicalResult[] = [];
  for (const quality of qualities) {
    const bytes = await encodeClassical(rgb8, image.width, image.height, codec, quality);
    out.push(await result(image, codec, quality, bytes));
  }
  return out;
}

/**
 * Finds the integer quality 1..100 whose file comes closest to `targetBpp` bits per pixel
 * and returns that operating point. File size grows with quality (almost always
 * monotonically), so a bisection finds the lowest quality reaching the target; that
 * quality and its two neighbours are then compared, which also absorbs small
 * non-monotonic steps. About 9 encodes instead of 100. On a tie the lower quality wins.
 * A target outside the achievable range gives quality 1 or 100.
 *
 * @param image - The image.
 * @param codec - The codec.
 * @param targetBpp - The bitrate to match, in bits per pixel (> 0).
 * @returns The operating point whose `bpp` is closest to `targetBpp`.
 * @throws InvalidArgumentError for a target that is not a positive finite number.
 */
export async function matchBitrate(image: BaselineImage, codec: ClassicalCodec, targetBpp: number): Promise<ClassicalResult> {
  if (!Number.isFinite(targetBpp) || targetBpp <= 0) throw new InvalidArgumentError(`target bpp must be a positive number, found ${targetBpp}`);
  const rgb8 = toUint8Rgb(image.rgb);
  const pixels = image.width * image.height;
  const cache = new Map<number, Uint8Array>();
  const encode = async (q: number): Promise<Uint8Array> => {
    let bytes = cache.get(q);
    if (bytes === undefined) {
      bytes = await encodeClassical(rgb8, image.width, image.height, codec, q);
      cache.set(q, bytes);
    }
    return bytes;
  };
  const bppAt = async (q: number): Promise<number> => ((await encode(q)).length * 8) / pixels;

  // Lowest quality whose bpp reaches the target (100 when none does).
  let lo = 1;
  let hi = 100;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((await bppAt(mid)) >= targetBpp) hi = mid;
    else lo = mid + 1;
  }
  let best = lo;
  let bestError = Math.abs((await bppAt(lo)) - targetBpp);
  for (const q of [lo - 1, lo + 1]) {
    if (q < 1 || q > 100) continue;
    const error = Math.abs((await bppAt(q)) - targetBpp);
    if (error < bestError || (error === bestError && q < best)) {
      best = q;
      bestError = error;
    }
  }
  return result(image, codec, best, await encode(best));
}

async function result(image: BaselineImage, codec: ClassicalCodec, quality: number, bytes: Uint8Array): Promise<ClassicalResult> {
  const reconstruction = await decodeClassical(bytes, { width: image.width, height: image.height });
  return { codec, quality, bytes, bpp: (bytes.length * 8) / (image.width * image.height), reconstruction };
}
