/**
 * g_a and g_s of {@link ImageCodec} over large images, tile by tile (see `tiling.ts`):
 * the image stays in a JavaScript array, and only one tile's tensors exist at a time.
 * Tiles are read with `await data()`: a synchronous read of a WebGPU tensor is slow in a
 * browser (and read zeros on Chromium's SwiftShader adapter), and impossible in Node.js.
 */
import { ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Pacer } from './pause.js';
import type { PadMode } from './reflect-pad.js';
import type { LatentRows } from '../latent-codecs/latent-rows.js';
import { forEachTile, readReplicated, tilesOf, type ImagePixels, type Tile } from './tiling.js';

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
  /** Ticked after every tile (turns for the event loop, and an abort; see `pause.ts`). */
  readonly pacer?: Pacer;
}

/**
 * The latent of an image [1, paddedHeight / d, paddedWidth / d, C], g_a run tile by tile
 * on the image padded as `g.padMode` says (edge replication by default).
 * @param rgb - The image, `height * width * 3` values in [0, 1], row-major, or its rows.
 */
export async function analyzeTiled(
  analysis: (x: tf.Tensor4D) => tf.Tensor4D,
  rgb: Float32Array | ImagePixels,
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
    undefined,
    g.pacer,
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
    undefined,
    g.pacer,
  );
  return out;
}

/** Tile rows of g_a {@link analysisRows} keeps (a band and the windows of h_a reach into at most three). */
const CACHED_TILE_ROWS = 3;

/**
 * The latent of an image as {@link LatentRows}: g_a run one row of tiles at a time, when
 * its rows are read (the last few kept), on the same tiles as `analyzeTiled`, so
 * that every row equals that function's bit for bit while only a band of the latent
 * exists at a time.
 * @param channels - Channels C of g_a's output.
 */
export function analysisRows(
  analysis: (x: tf.Tensor4D) => tf.Tensor4D,
  pixels: ImagePixels,
  size: { readonly height: number; readonly width: number; readonly paddedHeight: number; readonly paddedWidth: number },
  g: TiledGeometry,
  channels: number,
): LatentRows {
  const d = g.downsampling;
  const rows = size.paddedHeight / d;
  const cols = size.paddedWidth / d;
  const C = channels;
  const grid = { inUnit: d, outUnit: 1, tile: g.tile, margin: g.margin, align: g.align ?? 1 };
  const cache = new Map<number, Float32Array>();
  const tileRow = async (y0: number): Promise<Float32Array> => {
    const hit = cache.get(y0);
    if (hit) return hit;
    const y1 = Math.min(rows, y0 + g.tile);
    const out = new Float32Array((y1 - y0) * cols * C);
    await forEachTile(
      rows,
      cols,
      grid,
      (top, left, h, w) => readReplicated(pixels, size.height, size.width, top, left, h, w, g.padMode ?? 'replicate'),
      analysis,
      async (tile, top, left) => {
        const [, h, w, c] = tile.shape;
        if (c !== C) throw new ShapeError(`analysis gave ${c} channels, the latent codec codes ${C}`);
        const data = (await tile.data()) as Float32Array;
        for (let y = 0; y < h; y++) out.set(data.subarray(y * w * c, (y + 1) * w * c), ((top - y0 + y) * cols + left) * c);
      },
      (t: Tile) => t.y0 === y0,
      g.pacer,
    );
    cache.set(y0, out);
    if (cache.size > CACHED_TILE_ROWS) cache.delete(cache.keys().next().value!);
    return out;
  };
  return {
    height: rows,
    width: cols,
    async read(r0, r1) {
      const out = new Float32Array((r1 - r0) * cols * C);
      for (let y0 = Math.floor(r0 / g.tile) * g.tile; y0 < r1; y0 += g.tile) {
        const data = await tileRow(y0);
        const from = Math.max(r0, y0);
        const to = Math.min(r1, y0 + g.tile);
        out.set(data.subarray((from - y0) * cols * C, (to - y0) * cols * C), (from - r0) * cols * C);
      }
      return out;
    },
  };
}

/** Receives rows of a decoded image in order: `rows.length / (width * 3)` rows from `y0`, RGB in [0, 1]. */
export type PixelRowSink = (y0: number, rows: Float32Array) => void | Promise<void>;

/**
 * `synthesizeTiled` for a latent that arrives in bands of rows (see
 * `LatentCodec.decompressRows`): each row of tiles runs as soon as the rows it reads have
 * arrived, on the same tiles and values as `synthesizeTiled`, so the pixels equal its bit
 * for bit; rows no later tile reads are dropped, and finished image rows go to `sink`.
 */
export class SynthesisRows {
  private readonly chunks: { r0: number; r1: number; data: Float32Array }[] = [];
  private readonly rowsOfTiles: Tile[][] = [];
  private arrived = 0;

  /**
   * @param latent - `[rows, cols, C]` of the latent.
   * @param size - The image's size; the padding is dropped.
   */
  constructor(
    private readonly synthesize: (y: tf.Tensor4D) => tf.Tensor4D,
    private readonly latent: readonly [number, number, number],
    private readonly size: { readonly height: number; readonly width: number },
    private readonly g: TiledGeometry,
    private readonly sink: PixelRowSink,
  ) {
    const grid = { tile: g.tile, margin: g.margin, align: g.align ?? 1 };
    for (const t of tilesOf(latent[0], latent[1], grid)) {
      const last = this.rowsOfTiles[this.rowsOfTiles.length - 1];
      if (last && last[0]!.y0 === t.y0) last.push(t);
      else this.rowsOfTiles.push([t]);
    }
  }

  /** Rows `[r0, r0 + n)` of ŷ (HWC float32), the next after those pushed before. */
  async push(r0: number, data: Float32Array): Promise<void> {
    const [, cols, C] = this.latent;
    if (r0 !== this.arrived) throw new ShapeError(`latent rows arrive out of order: expected row ${this.arrived}, found ${r0}`);
    this.arrived = r0 + data.length / (cols * C);
    this.chunks.push({ r0, r1: this.arrived, data });
    while (this.rowsOfTiles.length > 0 && this.rowsOfTiles[0]![0]!.gy1 <= this.arrived) {
      await this.runRow(this.rowsOfTiles.shift()!);
      const keep = this.rowsOfTiles[0]?.[0]?.gy0 ?? this.arrived;
      while (this.chunks.length > 0 && this.chunks[0]!.r1 <= keep) this.chunks.shift();
    }
  }

  /** After the last rows. @throws ShapeError when rows are missing. */
  finish(): void {
    if (this.rowsOfTiles.length > 0) throw new ShapeError(`the latent ended at row ${this.arrived} of ${this.latent[0]}`);
  }

  /** The latent region `[gy0, gy1) x [gx0, gx1)` of a tile as a tensor. */
  private region(t: Tile): tf.Tensor4D {
    const [, cols, C] = this.latent;
    const h = t.gy1 - t.gy0;
    const w = t.gx1 - t.gx0;
    const out = new Float32Array(h * w * C);
    for (let y = t.gy0; y < t.gy1; y++) {
      const chunk = this.chunks.find((c) => c.r0 <= y && y < c.r1)!;
      const from = ((y - chunk.r0) * cols + t.gx0) * C;
      out.set(chunk.data.subarray(from, from + w * C), (y - t.gy0) * w * C);
    }
    return tf.tensor4d(out, [1, h, w, C]);
  }

  private async runRow(tiles: readonly Tile[]): Promise<void> {
    const d = this.g.downsampling;
    const { height, width } = this.size;
    const top = tiles[0]!.y0 * d;
    const rows = Math.max(0, Math.min(height, tiles[0]!.y1 * d) - top);
    const out = new Float32Array(rows * width * 3);
    const grid = { inUnit: 1, outUnit: d, tile: this.g.tile, margin: this.g.margin, align: this.g.align ?? 1 };
    const [latentRows, cols] = this.latent;
    const first = tiles[0]!;
    await forEachTile(
      latentRows,
      cols,
      grid,
      (gy0, gx0, h, w) => this.region({ y0: 0, y1: 0, x0: 0, x1: 0, gy0, gy1: gy0 + h, gx0, gx1: gx0 + w }),
      (y) => tf.clipByValue(this.synthesize(y), 0, 1),
      async (tile, tileTop, left) => {
        const [, h, w] = tile.shape;
        const data = (await tile.data()) as Float32Array;
        const keepW = Math.min(w, width - left);
        for (let y = 0; y < h && tileTop + y < height; y++) out.set(data.subarray(y * w * 3, (y * w + keepW) * 3), ((tileTop - top + y) * width + left) * 3);
      },
      (t) => t.y0 === first.y0,
      this.g.pacer,
    );
    if (rows > 0) await this.sink(top, out);
  }
}
