/**
 * Limits on the images a codec codes, checked before anything is allocated (as sharp's
 * `limitInputPixels`): a header cannot make a decoder do work the file does not pay for.
 */
import { CorruptStreamError, InvalidArgumentError, LimitExceededError } from '@ncomp/core/errors';

/**
 * Default most pixels (padded width x padded height) {@link ImageCodec} compresses or
 * decompresses: 2^28 = 268,435,456 (a 16384 x 16384 image; sharp's default
 * `limitInputPixels` is 16383^2). Raise it with `{ maxPixels }` or the CLI's `--max-pixels`.
 */
export const DEFAULT_MAX_PIXELS = 2 ** 28;

/** Limits of {@link ImageCodec.compress} and {@link ImageCodec.decompress}. */
export interface ImageLimits {
  /**
   * Most pixels of the coded (padded) image; default {@link DEFAULT_MAX_PIXELS}.
   * `Infinity` disables the check (the geometry is still checked against the streams).
   */
  readonly maxPixels?: number;
  /**
   * Tile size of g_a and g_s, in latent pixels (default {@link DEFAULT_TILE}: 32, i.e. 512
   * image pixels for a 16x downsampling). Larger images are transformed tile by tile, with
   * the transforms' measured receptive field as overlap, in memory bounded by the tile.
   */
  readonly tile?: number;
  /**
   * Latent rows per band of the entropy coding (default {@link DEFAULT_BAND}: 128, fewer
   * for latents so wide that a band would hold more than {@link DEFAULT_BAND_VALUES}
   * values; rounded up to the latent codec's `latentMultiple`). A latent taller than one band is coded and
   * decoded band by band where the latent codec can (`compressRows` / `decompressRows`),
   * in memory bounded by the band; the streams do not depend on it. (The ChARM codecs code
   * their slices one after another, so they keep y, or the decoded slices, whole: the
   * size of the latent, not of its entropy-parameter networks, which run per band.)
   */
  readonly band?: number;
  /**
   * Stops a compress or decompress: checked between tiles, bands, windows of the entropy
   * parameters and rows of symbols, where the work also gives the event loop a turn a few
   * times a second (so a SIGINT / SIGTERM listener runs within a fraction of a second
   * even without a signal). An aborted call throws the signal's reason.
   */
  readonly signal?: AbortSignal;
}

/** Default band height of the banded entropy coding, in latent rows (see {@link ImageLimits.band}). */
export const DEFAULT_BAND = 128;

/**
 * Most latent values (rows x columns x channels) of a default band: 2^23. With the default
 * model (192 channels at stride 8) that is the full 128 rows up to about 2700 pixels wide,
 * 88 rows at 4000 pixels and 32 at 12000 (after rounding up to its latent multiple, 4). Wider images get fewer
 * rows a band, so that the band's entropy parameters (float64 means, tables, the
 * hyper-synthesis output) stay about 300 MB whatever the width; the streams do not depend on it.
 */
export const DEFAULT_BAND_VALUES = 2 ** 23;

/**
 * The effective band height of `limits`, validated: `limits.band`, or by default
 * {@link DEFAULT_BAND} rows lowered to fit {@link DEFAULT_BAND_VALUES} values.
 * @param rowValues - Values in one latent row (width x channels); 0 when unknown.
 */
export function resolveBand(limits: ImageLimits | undefined, rowValues = 0): number {
  const fit = rowValues > 0 ? Math.max(1, Math.floor(DEFAULT_BAND_VALUES / rowValues)) : DEFAULT_BAND;
  const band = limits?.band ?? Math.min(DEFAULT_BAND, fit);
  if (!Number.isInteger(band) || band < 1) throw new InvalidArgumentError(`band must be a positive integer (latent rows), found ${String(band)}`);
  return band;
}

/** Default tile size of g_a / g_s in latent pixels (see {@link ImageLimits.tile}). */
export const DEFAULT_TILE = 32;

/** The effective tile size of `limits`, validated. */
export function resolveTile(limits: ImageLimits | undefined): number {
  const tile = limits?.tile ?? DEFAULT_TILE;
  if (!Number.isInteger(tile) || tile < 1) throw new InvalidArgumentError(`tile must be a positive integer (latent pixels), found ${String(tile)}`);
  return tile;
}

/** The effective pixel limit of `limits`, validated. */
export function resolveMaxPixels(limits: ImageLimits | undefined): number {
  const max = limits?.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(max === Infinity || (Number.isInteger(max) && max >= 1))) {
    throw new InvalidArgumentError(`maxPixels must be a positive integer or Infinity, found ${String(max)}`);
  }
  return max;
}

/**
 * Refuses an image of `width` x `height` pixels above the limit.
 * @throws LimitExceededError naming the size, the limit and how to raise it.
 */
export function checkPixelLimit(width: number, height: number, limits: ImageLimits | undefined): void {
  const max = resolveMaxPixels(limits);
  const pixels = width * height;
  if (pixels > max) {
    throw new LimitExceededError(
      `image of ${width}x${height} = ${pixels} pixels exceeds the limit of ${max} pixels; ` +
        `if the input is trusted, raise the limit (CLI: --max-pixels ${pixels}; library: { maxPixels: ${pixels} })`,
    );
  }
}

/**
 * Refuses streams that are too short to hold what a latent of the declared size needs,
 * by the latent codec's lower bounds (`minStreamBits`): one bound per stream, in bits.
 * The check allows a factor 2 and 64 bits of slack over the bound, far more than the
 * coders' overhead, so a genuine stream always passes.
 * @throws CorruptStreamError naming the stream, its size and the size it needs.
 */
export function checkStreamBounds(names: readonly string[], streams: readonly Uint8Array[], bounds: readonly number[], what: string): void {
  for (let i = 0; i < streams.length; i++) {
    const needBytes = Math.ceil((bounds[i]! / 2 - 64) / 8);
    if (streams[i]!.length < needBytes) {
      throw new CorruptStreamError(
        `stream "${names[i] ?? i}" has ${streams[i]!.length} bytes, but ${what} needs at least ${needBytes} with this model: ` +
          'the image size in the header is damaged or forged, or the file belongs to another model',
      );
    }
  }
}
