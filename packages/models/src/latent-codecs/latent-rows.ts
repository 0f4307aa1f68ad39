/**
 * Banded coding of large latents: the entropy parameters evaluated and the symbols coded
 * a band of latent rows at a time, so that memory follows the band, not the image. The
 * bands change nothing in the streams: the parameters of a band come from a window of ẑ
 * grown by the hyper-synthesis' measured reach, which the deterministic twins evaluate
 * to the same bits as the whole map, and the symbols go into one stream in raster order.
 */
import { CorruptStreamError, type ExactFn, type ExactMap } from '@ncomp/core';
import type { Pacer } from '../codec/pause.js';

/** The un-gained latent y of one image, read a band of rows at a time (see {@link LatentCodec.compressRows}). */
export interface LatentRows {
  /** Latent height h. */
  readonly height: number;
  /** Latent width w. */
  readonly width: number;
  /**
   * Rows `[r0, r1)` of y, HWC float32: `(r1 - r0) * width * C` values. The same rows must
   * give the same values every time they are read.
   */
  read(r0: number, r1: number): Promise<Float32Array>;
}

/**
 * Receives decoded rows of the quantized (gained) latent ŷ in order, starting at row `r0`:
 * `rows.length / (width * C)` rows, HWC float32 (see {@link LatentCodec.decompressRows}).
 */
export type LatentRowSink = (r0: number, rows: Float32Array) => Promise<void>;

/** The FNV-1a offset basis: {@link digestInts}'s seed for an empty sequence. */
export const DIGEST_SEED = 0x811c9dc5;

/**
 * How many rows of ẑ beyond its own a window needs so that `hs` (a deterministic twin,
 * upsampling by `s`) computes every row of the window's own part as on the whole map: the
 * reach of a change to one ẑ pixel, measured on a 12 x 12 probe, plus one.
 * @param channels - Channels of ẑ.
 */
export function exactReach(hs: ExactFn, channels: number, s: number, probe = 12): number {
  let state = 12345;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) / 2 ** 24 - 0.5;
  };
  const base = new Float64Array(probe * probe * channels).map(() => Math.round(next() * 8));
  const bumped = base.slice();
  const c = Math.floor(probe / 2);
  for (let k = 0; k < channels; k++) bumped[(c * probe + c) * channels + k]! += 3;
  const a = hs({ height: probe, width: probe, channels, data: base });
  const b = hs({ height: probe, width: probe, channels, data: bumped });
  let reach = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      for (let k = 0; k < a.channels; k++) {
        const i = (y * a.width + x) * a.channels + k;
        if (a.data[i] !== b.data[i]) reach = Math.max(reach, Math.abs(Math.floor(y / s) - c), Math.abs(Math.floor(x / s) - c));
      }
    }
  }
  return reach + 1;
}

/** Columns of ẑ per window of {@link hyperRows} (plus the reach on each side). */
const WINDOW_COLUMNS = 48;

/**
 * Rows `[r0, r1)` of `hs(zHat)` (all columns), computed window by window: each window is
 * `WINDOW_COLUMNS` columns of ẑ grown by `reach` on every side (clipped at the map's
 * border), so that only a window's output exists at a time besides the result. Equals the
 * same rows of `hs(zHat)` bit for bit when `reach` is at least {@link exactReach}'s, and
 * `hs` maps a z pixel to `s` x `s` outputs with a geometry that does not depend on the
 * map's size (convolutions with 'same' padding, stride 1 or transposed).
 * @param s - Upsampling factor of `hs`; `r0` and `r1` are multiples of it, or `r1` is the last row.
 * @param pacer - Ticked after each window (a window of a wide image takes a while).
 */
export async function hyperRows(hs: ExactFn, zHat: ExactMap, s: number, reach: number, r0: number, r1: number, pacer?: Pacer): Promise<ExactMap> {
  const zr0 = Math.floor(r0 / s);
  const zr1 = Math.ceil(r1 / s);
  const wy0 = Math.max(0, zr0 - reach);
  const wy1 = Math.min(zHat.height, zr1 + reach);
  const width = zHat.width * s;
  let out: ExactMap | undefined;
  for (let zc0 = 0; zc0 < zHat.width; zc0 += WINDOW_COLUMNS) {
    const zc1 = Math.min(zHat.width, zc0 + WINDOW_COLUMNS);
    const wx0 = Math.max(0, zc0 - reach);
    const wx1 = Math.min(zHat.width, zc1 + reach);
    const C = zHat.channels;
    const window = new Float64Array((wy1 - wy0) * (wx1 - wx0) * C);
    for (let y = wy0; y < wy1; y++) {
      window.set(zHat.data.subarray((y * zHat.width + wx0) * C, (y * zHat.width + wx1) * C), (y - wy0) * (wx1 - wx0) * C);
    }
    const part = hs({ height: wy1 - wy0, width: wx1 - wx0, channels: C, data: window });
    if (part.height !== (wy1 - wy0) * s || part.width !== (wx1 - wx0) * s) {
      throw new CorruptStreamError(`hyper-synthesis maps ${wy1 - wy0}x${wx1 - wx0} to ${part.height}x${part.width}, not ${s} times larger`);
    }
    const O = part.channels;
    out ??= { height: r1 - r0, width, channels: O, data: new Float64Array((r1 - r0) * width * O) };
    const cols = (zc1 - zc0) * s;
    for (let y = r0; y < r1; y++) {
      const from = ((y - wy0 * s) * part.width + (zc0 - wx0) * s) * O;
      out.data.set(part.data.subarray(from, from + cols * O), ((y - r0) * width + zc0 * s) * O);
    }
    await pacer?.tick();
  }
  return out!;
}
