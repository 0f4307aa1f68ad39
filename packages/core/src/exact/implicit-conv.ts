import type { ExactMap } from './exact-map.js';
import type { ConvRunner } from './wasm/conv-kernel.js';
import { BLOCK_COLUMNS, PANEL_ROWS, type PackedColumns } from './wasm/gemm.js';

/**
 * The outputs of one phase of a convolution (rows `py, py + ph, ...`, columns
 * `px, px + pw, ...`) and the taps that reach them, ascending.
 */
export interface ConvPhase {
  /** First output row. */
  readonly py: number;
  /** First output column. */
  readonly px: number;
  /** Output rows of the phase. */
  readonly rows: number;
  /** Output columns of the phase. */
  readonly cols: number;
  /** Kernel rows that reach the phase. */
  readonly tapRows: readonly number[];
  /** Kernel columns that reach the phase. */
  readonly tapCols: readonly number[];
  /** Those taps' kernel rows, packed. */
  readonly packed: PackedColumns;
}

/**
 * The input row (column) that tap `t` of output `o` reads, bounds aside: an integer for
 * every tap of the output's phase, and consecutive taps of a phase read inputs a fixed
 * step apart (+1 for a convolution, -1 for a transposed one).
 */
export type TapSource = (o: number, t: number) => number;

/** What {@link implicitConvolution} needs besides the map. */
export interface ImplicitConv {
  /** Output rows. */
  readonly outHeight: number;
  /** Output columns. */
  readonly outWidth: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Phase periods along rows and columns (1 for a convolution, the strides for a transposed one, at most the output size). */
  readonly period: readonly [number, number];
  /** The input row and the input column a tap reads (see {@link TapSource}). */
  readonly source: readonly [TapSource, TapSource];
  /** The phases. */
  readonly phases: readonly ConvPhase[];
  /** `[outChannels]`, or none. */
  readonly bias?: Float64Array | undefined;
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** The range of input positions the taps of every phase read along one axis (with the input's own). */
function reach(source: TapSource, length: number, phases: readonly ConvPhase[], axis: 0 | 1, period: number): [number, number] {
  let [lo, hi] = [0, length - 1];
  for (const p of phases) {
    const taps = axis === 0 ? p.tapRows : p.tapCols;
    const outs = axis === 0 ? p.rows : p.cols;
    if (taps.length === 0 || outs === 0) continue;
    const first = axis === 0 ? p.py : p.px;
    for (const o of [first, first + (outs - 1) * period]) {
      for (const t of [taps[0]!, taps[taps.length - 1]!]) {
        lo = Math.min(lo, source(o, t));
        hi = Math.max(hi, source(o, t));
      }
    }
  }
  return [lo, hi];
}

/**
 * A convolution on gemm.wat's implicit-GEMM kernel: the input is copied once, as float32,
 * into a zero-padded map in the kernel's memory that covers every position a tap reads,
 * and the kernel reads A's rows from it in place, in the same order k = (tap row, tap
 * column, channel) as the im2col panels, so the sums have exactly the bits of
 * {@link gemm} on those panels (a zero read from the padding is the zero im2col leaves);
 * the bias is added to the float32 sum, as in exact-conv.ts. Writes the outputs into
 * `out` (`[outHeight][outWidth][outChannels]`).
 * @returns Whether it ran (false when the runner cannot hold the operands).
 */
export function implicitConvolution(runner: ConvRunner, x: ExactMap, spec: ImplicitConv, out: Float64Array): boolean {
  const { height: H, width: W, channels: C, data: xd } = x;
  const { outHeight: OH, outWidth: OW, outChannels: O, phases } = spec;
  const R = PANEL_ROWS;
  const np = Math.ceil(O / BLOCK_COLUMNS) * BLOCK_COLUMNS;
  const [loY, hiY] = reach(spec.source[0], H, phases, 0, spec.period[0]);
  const [loX, hiX] = reach(spec.source[1], W, phases, 1, spec.period[1]);
  const Wp = hiX - loX + 1;
  const mapValues = (hiY - loY + 1) * Wp * C;
  // Layout: padded map | outputs ([OH·OW + 1][np], the last row a sink for a panel's rows past the end) | bias | B | bases.
  const outAt = align(mapValues * 4);
  const biasAt = align(outAt + (OH * OW + 1) * np * 4);
  const bAt = align(biasAt + np * 4);
  const maxB = Math.max(0, ...phases.map((p) => p.packed.packed.length));
  const basesAt = align(bAt + maxB * 4);
  const maxPanels = Math.max(0, ...phases.map((p) => Math.ceil((p.rows * p.cols) / R)));
  const buffer = runner.memory(basesAt + 2 * maxPanels * R * 4);
  if (!buffer) return false;
  const f = new Float32Array(buffer);
  const ints = new Int32Array(buffer);
  f.fill(0, 0, mapValues);
  for (let iy = 0; iy < H; iy++) f.set(xd.subarray(iy * W * C, (iy + 1) * W * C), ((iy - loY) * Wp - loX) * C);
  if (spec.bias) f.set(spec.bias, biasAt / 4);
  const [sy, sx] = spec.source;
  for (const p of phases) {
    const count = p.rows * p.cols;
    const panels = Math.ceil(count / R);
    if (panels === 0) continue;
    const [ta, tb] = [p.tapRows.length, p.tapCols.length];
    f.set(p.packed.packed, bAt / 4);
    const xi = basesAt / 4;
    const oi = xi + panels * R;
    for (let i = 0; i < panels * R; i++) {
      if (i >= count) {
        ints[xi + i] = ints[xi]!;
        ints[oi + i] = outAt + OH * OW * np * 4;
        continue;
      }
      const r = Math.floor(i / p.cols);
      const oy = p.py + r * spec.period[0];
      const ox = p.px + (i - r * p.cols) * spec.period[1];
      const iy = ta > 0 ? sy(oy, p.tapRows[0]!) : loY;
      const ix = tb > 0 ? sx(ox, p.tapCols[0]!) : loX;
      ints[xi + i] = ((iy - loY) * Wp + ix - loX) * C * 4;
      ints[oi + i] = outAt + (oy * OW + ox) * np * 4;
    }
    const da = ta > 1 ? (sy(p.py, p.tapRows[1]!) - sy(p.py, p.tapRows[0]!)) * Wp * C * 4 : 0;
    const db = tb > 1 ? (sx(p.px, p.tapCols[1]!) - sx(p.px, p.tapCols[0]!)) * C * 4 : 0;
    runner.run([xi * 4, oi * 4, bAt, biasAt, spec.bias ? 1 : 0, panels, ta, tb, C, da, db, np]);
  }
  const result = new Float32Array(buffer, outAt, OH * OW * np);
  if (np === O) out.set(result);
  else {
    for (let q = 0; q < OH * OW; q++) for (let j = 0; j < O; j++) out[q * O + j] = result[q * np + j]!;
  }
  return true;
}
