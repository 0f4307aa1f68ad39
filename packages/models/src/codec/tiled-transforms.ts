/**
 * g_a and g_s of {@link ImageCodec} over large images, tile by tile (see `tiling.ts`):
 * the image stays in a JavaScript array, and only one tile's tensors exist at a time.
 * Tiles are read with `await data()`: a synchronous read of a WebGPU tensor is slow in a
 * browser (and read zeros on Chromium's SwiftShader adapter), and impossible in Node.js.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PadMode } from './reflect-pad.js';
import { forEachTile, readReplicated } from './tiling.js';

/** Where a tiled transform runs: tile size and overlap in latent pixels, downsampling d. */
export interface TiledGeometry {
  /** Downsampling factor d (image pixels per latent pixel). */
  readonly downsampling: number;
  /** Tile size, latent pixels. */
  readonly tile: number;
  /** Overlap on each side, latent pixels. */
  readonly margin: number;
  /** Alignment of tile regions, latent pixels (see `TileGrid.align`). */
  readonly align?: number;
  /** How the image is padded past its edges (as `compress` pads it); default `replicate`. */
  readonly padMode?: PadMode;
}

/**
 * The latent of an image [1, paddedHeight / d, paddedWidth / d, C], g_a run tile by tile
 * on the image padded as `g.padMode` says (edge replication by default).
 * @param rgb - The image, `height * width * 3` values in [0, 1], row-major.
 */
export async function analyzeTiled(
  analysis: (x: tf.Tensor4D) => tf.Tensor4D,
  rgb: Float32Array,
  size: { readonly height: number; readonly width: number; readonly paddedHeight: number; readonly paddedWidth: number },
  g: TiledGeometry,
): Promise<tf.Tensor4D> {
  const d = g.downsampling;
  const rows = size.paddedHeight / d;
  const cols = size.paddedWidth / d;
  let out: Float32Array | undefined;
  let channels = 0;
  await forEachTile(
    rows,
    cols,
    { inUnit: d, outUnit: 1, tile: g.tile, margin: g.margin, align: g.align ?? 1 },
    (top, left, h, w) => readReplicated(rgb, size.height, size.width, top, left, h, w, g.padMode ?? 'replicate'),
    analysis,
    async (tile, top, left) => {
      const [, h, w, c] = tile.shape;
      channels = c;
      out ??= new Float32Array(rows * cols * c);
      const data = (await tile.data()) as Float32Array;
      for (let y = 0; y < h; y++) out.set(data.subarray(y * w * c, (y + 1) * w * c), ((top + y) * cols + left) * c);
    },
  );
  return tf.tensor4d(out!, [1, rows, cols, channels]);
}

/**
 * The image `height * width * 3` (row-major, clipped to [0, 1]) from a latent, `synthesize`
 * (g_s with the inverse gain and any condition) run tile by tile; the padding is dropped.
 */
export async function synthesizeTiled(
  synthesize: (y: tf.Tensor4D) => tf.Tensor4D,
  yHat: tf.Tensor4D,
  size: { readonly height: number; readonly width: number },
  g: TiledGeometry,
): Promise<Float32Array> {
  const [, rows, cols, c] = yHat.shape;
  const { height, width } = size;
  const out = new Float32Array(height * width * 3);
  await forEachTile(
    rows,
    cols,
    { inUnit: 1, outUnit: g.downsampling, tile: g.tile, margin: g.margin, align: g.align ?? 1 },
    (top, left, h, w) => tf.slice(yHat, [0, top, left, 0], [1, h, w, c]),
    (y) => tf.clipByValue(synthesize(y), 0, 1),
    async (tile, top, left) => {
      const [, h, w] = tile.shape;
      const data = (await tile.data()) as Float32Array;
      const keepW = Math.min(w, width - left);
      for (let y = 0; y < h && top + y < height; y++) {
        out.set(data.subarray(y * w * 3, (y * w + keepW) * 3), ((top + y) * width + left) * 3);
      }
    },
  );
  return out;
}
