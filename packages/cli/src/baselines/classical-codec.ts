/**
 * Classical image codecs (JPEG, WebP, AVIF) through sharp, as baselines for learned codecs.
 */
import { CorruptStreamError, InvalidArgumentError, ShapeError } from '@ncomp/core';
import sharp from 'sharp';

/** The classical codecs available as baselines. */
export type ClassicalCodec = 'jpeg' | 'webp' | 'avif';

/** Every {@link ClassicalCodec}, in a fixed order. */
export const CLASSICAL_CODECS: readonly ClassicalCodec[] = ['jpeg', 'webp', 'avif'];

/**
 * Encodes 8-bit RGB with a classical codec through sharp (libvips) at an integer quality.
 * Settings, fixed so that results are reproducible and comparable with published
 * baselines (no metadata is written):
 *
 * - `jpeg`: libjpeg-turbo–compatible baseline JPEG (sharp's `mozjpeg: false`: standard
 *   Annex K quantisation tables scaled by `quality`, no trellis quantisation, not
 *   progressive), optimised Huffman tables, 4:2:0 chroma subsampling.
 * - `webp`: lossy libwebp (VP8, always 4:2:0), `effort` 4, sharp's default preset.
 * - `avif`: AV1 in HEIF through libheif / aom, `effort` 4, 8-bit, 4:4:4 (sharp's
 *   defaults), lossy.
 *
 * @param rgb8 - Interleaved RGB (HWC), `width * height * 3` bytes.
 * @param width - Width in pixels.
 * @param height - Height in pixels.
 * @param codec - The codec.
 * @param quality - Integer quality 1..100 (higher: more bytes, better fidelity).
 * @returns The encoded file's bytes.
 * @throws InvalidArgumentError for an unknown codec, a quality outside 1..100 or a bad size.
 * @throws ShapeError when `rgb8` does not hold `width * height * 3` bytes.
 */
export async function encodeClassical(rgb8: Uint8Array, width: number, height: number, codec: ClassicalCodec, quality: number): Promise<Uint8Array> {
  checkCodec(codec);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new InvalidArgumentError(`${codec} quality must be an integer in 1..100, found ${quality}`);
  }
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new InvalidArgumentError(`image size must be positive integers, found ${width}×${height}`);
  }
  if (rgb8.length !== width * height * 3) {
    throw new ShapeError(`a ${width}×${height} RGB image needs ${width * height * 3} bytes, found ${rgb8.length}`);
  }
  const input = sharp(rgb8, { raw: { width, height, channels: 3 } });
  const encoder =
    codec === 'jpeg'
      ? input.jpeg({ quality, mozjpeg: false, chromaSubsampling: '4:2:0', optimiseCoding: true, progressive: false })
      : codec === 'webp'
        ? input.webp({ quality, lossless: false, nearLossless: false, smartSubsample: false, effort: 4 })
        : input.avif({ quality, lossless: false, effort: 4, chromaSubsampling: '4:4:4', bitdepth: 8 });
  const out = await encoder.toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The size a decoded image must have, for {@link decodeClassical}. */
export interface ExpectedSize {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/**
 * Decodes a classical-codec file (anything sharp reads; in practice the output of
 * {@link encodeClassical}) to interleaved RGB in [0, 1] (`v / 255`).
 *
 * @param bytes - The encoded file.
 * @param expected - When given, the decoded size must be this.
 * @returns `width * height * 3` samples in HWC order.
 * @throws CorruptStreamError when the bytes cannot be decoded or decode to another size.
 */
export async function decodeClassical(bytes: Uint8Array, expected?: ExpectedSize): Promise<Float32Array> {
  let data: Buffer;
  let info: sharp.OutputInfo;
  try {
    ({ data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw new CorruptStreamError(`cannot decode ${bytes.length} bytes as JPEG / WebP / AVIF: ${err instanceof Error ? err.message.trim() : String(err)}`, {
      cause: err,
    });
  }
  if (info.channels !== 3) throw new CorruptStreamError(`expected 3 channels after decoding, found ${info.channels}`);
  if (expected !== undefined && (info.width !== expected.width || info.height !== expected.height)) {
    throw new CorruptStreamError(`expected a ${expected.width}×${expected.height} image, decoded ${info.width}×${info.height}`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) / 255;
  return out;
}

/** Throws unless `codec` is a {@link ClassicalCodec} (for callers passing strings). */
function checkCodec(codec: string): asserts codec is ClassicalCodec {
  if (!(CLASSICAL_CODECS as readonly string[]).includes(codec)) {
    throw new InvalidArgumentError(`unknown classical codec "${codec}"; expected one of ${CLASSICAL_CODECS.join(', ')}`);
  }
}
