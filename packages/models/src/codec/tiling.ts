/**
 * Running a transform (g_a, g_s) over an image in overlapping tiles, so that memory is
 * bounded by the tile size instead of the image size.
 *
 * The image is cut on a grid of *units*: for g_a a unit is `d` x `d` input pixels and one
 * latent pixel out; for g_s one latent pixel in and `d` x `d` pixels out. Each tile of
 * `tile` x `tile` units is computed from its region grown by `margin` units on every side
 * (clipped at the image border), and only the tile's own part of the output is kept. Tile
 * origins are multiples of the unit, so every strided layer samples the same grid as on
 * the whole image, and at the image border a tile sees the very same padding. For a
 * convolutional transform whose receptive field reaches at most `margin` units from a
 * unit, the tiled output therefore equals the untiled one (up to float summation order);
 * for attention over windows (Swin) it differs near tile seams, by an amount measured in
 * the tests and the models README.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Pacer } from './pause.js';
import { reflectIndex, type PadMode } from './reflect-pad.js';

/** Geometry of a tiled transform. */
export interface TileGrid {
  /** Input pixels per unit (d for g_a, 1 for g_s). */
  readonly inUnit: number;
  /** Output pixels per unit (1 for g_a, d for g_s). */
  readonly outUnit: number;
  /** Tile size in units. */
  readonly tile: number;
  /** Units of context on each side of a tile. */
  readonly margin: number;
  /**
   * Grown regions start at multiples of this many units (default 1), and `tile` should be
   * a multiple of it: for transforms whose window partition is anchored at the image origin
   * (Swin), so that a tile partitions exactly as the whole image does.
   */
  readonly align?: number;
}

/** One tile: its own units `[y0, y1) x [x0, x1)` and the grown region it is computed from. */
export interface Tile {
  /** First unit row of the tile. */
  readonly y0: number;
  /** End unit row (exclusive). */
  readonly y1: number;
  /** First unit column. */
  readonly x0: number;
  /** End unit column (exclusive). */
  readonly x1: number;
  /** First unit row of the grown region. */
  readonly gy0: number;
  /** End unit row of the grown region. */
  readonly gy1: number;
  /** First unit column of the grown region. */
  readonly gx0: number;
  /** End unit column of the grown region. */
  readonly gx1: number;
}

/** The tiles covering `rows` x `cols` units, row by row. */
export function tilesOf(rows: number, cols: number, grid: Pick<TileGrid, 'tile' | 'margin' | 'align'>): Tile[] {
  const out: Tile[] = [];
  const a = grid.align ?? 1;
  const down = (v: number): number => Math.floor(v / a) * a;
  for (let y0 = 0; y0 < rows; y0 += grid.tile) {
    for (let x0 = 0; x0 < cols; x0 += grid.tile) {
      const y1 = Math.min(rows, y0 + grid.tile);
      const x1 = Math.min(cols, x0 + grid.tile);
      out.push({
        y0,
        y1,
        x0,
        x1,
        gy0: Math.max(0, down(y0 - grid.margin)),
        gy1: Math.min(rows, y1 + grid.margin),
        gx0: Math.max(0, down(x0 - grid.margin)),
        gx1: Math.min(cols, x1 + grid.margin),
      });
    }
  }
  return out;
}

/**
 * Applies `fn` tile by tile and hands each tile's own output to `sink` (with its position
 * in output pixels); the caller assembles it. `read` supplies the grown input region of a
 * tile (in input pixels). At most one tile's input and output exist at a time. The sink
 * may be asynchronous (it reads the tile with `await data()`, which every backend offers,
 * WebGPU in a browser included); the next tile starts when it settles.
 *
 * @param rows - Height of the input in units.
 * @param cols - Width of the input in units.
 * @param read - The input region `[top, left, height, width]` in input pixels, as a new tensor.
 * @param fn - The transform (runs under `tf.tidy`).
 * @param sink - Receives `[1, h, w, C]` outputs (disposed after it settles) at output pixel `top`, `left`.
 * @param only - When given, only the tiles it accepts are computed (a band of tile rows).
 * @param pacer - Ticked after each tile, so the event loop gets turns and an abort stops the work.
 */
export async function forEachTile(
  rows: number,
  cols: number,
  grid: TileGrid,
  read: (top: number, left: number, height: number, width: number) => tf.Tensor4D,
  fn: (x: tf.Tensor4D) => tf.Tensor4D,
  sink: (out: tf.Tensor4D, top: number, left: number) => void | Promise<void>,
  only?: (t: Tile) => boolean,
  pacer?: Pacer,
): Promise<void> {
  const { inUnit: i, outUnit: o } = grid;
  for (const t of tilesOf(rows, cols, grid)) {
    if (only && !only(t)) continue;
    const own = tf.tidy(() => {
      const input = read(t.gy0 * i, t.gx0 * i, (t.gy1 - t.gy0) * i, (t.gx1 - t.gx0) * i);
      const full = fn(input);
      const c = full.shape[3];
      return tf.slice(full, [0, (t.y0 - t.gy0) * o, (t.x0 - t.gx0) * o, 0], [1, (t.y1 - t.y0) * o, (t.x1 - t.x0) * o, c]) as tf.Tensor4D;
    });
    try {
      await sink(own, t.y0 * o, t.x0 * o);
    } finally {
      own.dispose();
    }
    await pacer?.tick();
  }
}

/**
 * An RGB image read a row at a time: what {@link ImageCodec.compressPixels} codes without
 * holding the image as float32 (for example 8-bit samples converted row by row).
 */
export interface ImagePixels {
  /** Height in pixels. */
  readonly height: number;
  /** Width in pixels. */
  readonly width: number;
  /** Row `y` (0 <= y < height): `width * 3` values in [0, 1], RGB interleaved; may be a view the caller must not keep. */
  row(y: number): Float32Array;
}

/** The rows of a row-major RGB array of `width` pixels, as {@link ImagePixels}. */
export function pixelsOf(rgb: Float32Array, height: number, width: number): ImagePixels {
  return { height, width, row: (y) => rgb.subarray(y * width * 3, (y + 1) * width * 3) };
}

/**
 * A tensor region of `[1, H, W, 3]` pixels read from a row-major RGB array of `height` x
 * `width` (or from rows of {@link ImagePixels}), with rows and columns past the image filled
 * as `compress` pads them: repeated from the last one (`replicate`, the default) or
 * mirrored (`reflect`, HiFiC).
 */
export function readReplicated(
  rgb: Float32Array | ImagePixels,
  height: number,
  width: number,
  top: number,
  left: number,
  h: number,
  w: number,
  mode: PadMode = 'replicate',
): tf.Tensor4D {
  const out = new Float32Array(h * w * 3);
  const source = (i: number, n: number): number => (i < n ? i : mode === 'reflect' ? reflectIndex(i, n) : n - 1);
  const pixels = rgb instanceof Float32Array ? pixelsOf(rgb, height, width) : rgb;
  for (let y = 0; y < h; y++) {
    const row = pixels.row(source(top + y, height));
    for (let x = 0; x < w; x++) {
      const from = source(left + x, width) * 3;
      const to = (y * w + x) * 3;
      out[to] = row[from]!;
      out[to + 1] = row[from + 1]!;
      out[to + 2] = row[from + 2]!;
    }
  }
  return tf.tensor4d(out, [1, h, w, 3]);
}

/**
 * How far, in units, a change to one input unit reaches in the output of `fn`: found by
 * running `fn` on a noise probe of `probe` x `probe` units with and without a change to
 * its centre unit, and measuring the extent of the output that moved. Exact for
 * convolutional transforms with generic weights; `probe / 2` or more means "at least the
 * probe", i.e. effectively global (attention). Reads the difference map asynchronously, so it
 * runs on every backend (WebGPU included).
 *
 * An output "moved" when it differs at all: outside the receptive field both runs compute the
 * same sums of the same inputs, so they agree bit for bit, and any difference, however small,
 * is inside it. A fixed threshold would make the reach depend on the transform's scale: a
 * small HiFiC with random weights moves its outputs by about 1e-6 for this probe, and the
 * former threshold of 1e-6 measured its reach as 3 to 5 latent pixels (of 5) by the weights,
 * so that tiles one pixel too narrow decoded up to 0.07 away from the whole image.
 * @returns The radius in units (an integer >= 0).
 */
export async function probeReach(fn: (x: tf.Tensor4D) => tf.Tensor4D, inUnit: number, outUnit: number, channels: number, probe = 24): Promise<number> {
  const movedT = tf.tidy(() => {
    const n = probe * inUnit;
    const base = tf.randomUniform([1, n, n, channels], 0, 1, 'float32', 17) as tf.Tensor4D;
    const c = Math.floor(probe / 2) * inUnit;
    const bump = tf.pad(tf.fill([1, inUnit, inUnit, channels], 0.5), [
      [0, 0],
      [c, n - c - inUnit],
      [c, n - c - inUnit],
      [0, 0],
    ]) as tf.Tensor4D;
    const a = fn(base);
    const b = fn(tf.add(base, bump) as tf.Tensor4D);
    return tf.max(tf.abs(tf.sub(a, b)), 3);
  });
  const [, h = 0, w = 0] = movedT.shape;
  let moved: tf.TypedArray;
  try {
    moved = await movedT.data();
  } finally {
    movedT.dispose();
  }
  const centre = Math.floor(probe / 2);
  let reach = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (moved[y * w + x]! > 0) reach = Math.max(reach, Math.abs(Math.floor(y / outUnit) - centre), Math.abs(Math.floor(x / outUnit) - centre));
    }
  }
  return reach;
}
