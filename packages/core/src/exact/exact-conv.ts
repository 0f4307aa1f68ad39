import { InvalidArgumentError, ShapeError } from '../errors/index.js';
import type { ExactMap } from './exact-map.js';
import { implicitConvolution, type ConvPhase } from './implicit-conv.js';
import { convRunner } from './wasm/conv-kernel.js';
import { PANEL_ROWS, gemm, packColumns, type PackedColumns } from './wasm/gemm.js';

/**
 * Weights of a deterministic convolution: `kernel` in `[kh][kw][inChannels][outChannels]`
 * order (TF.js `conv2d`'s filter layout; a transposed convolution's `[kh][kw][out][in]`
 * filter is reordered to this by {@link transposedConvWeights}), an optional bias.
 */
export interface ExactConvWeights {
  /** Kernel rows. */
  readonly kernelHeight: number;
  /** Kernel columns. */
  readonly kernelWidth: number;
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** `[kh][kw][inChannels][outChannels]`, float32 values held as float64. */
  readonly kernel: Float64Array;
  /** `[outChannels]`, or none. */
  readonly bias?: Float64Array | undefined;
}

/** Geometry of a convolution: strides, the zeros before the first row / column, and the output size. */
export interface ExactConvGeometry {
  /** `[rows, columns]` step. */
  readonly stride: readonly [number, number];
  /** Zero rows before the first input row (of the convolution a transposed one is the gradient of). */
  readonly padTop: number;
  /** Zero columns before the first input column. */
  readonly padLeft: number;
  /** Output rows. */
  readonly outHeight: number;
  /** Output columns. */
  readonly outWidth: number;
}

function checkWeights(owner: string, x: ExactMap, w: ExactConvWeights): void {
  if (x.channels !== w.inChannels) throw new ShapeError(`${owner}: input has ${x.channels} channels, the kernel takes ${w.inChannels}`);
  if (w.kernel.length !== w.kernelHeight * w.kernelWidth * w.inChannels * w.outChannels) {
    throw new ShapeError(`${owner}: kernel has ${w.kernel.length} values, expected ${w.kernelHeight}x${w.kernelWidth}x${w.inChannels}x${w.outChannels}`);
  }
  if (w.bias && w.bias.length !== w.outChannels) throw new ShapeError(`${owner}: bias has ${w.bias.length} values, expected ${w.outChannels}`);
}

function checkGeometry(owner: string, g: ExactConvGeometry): void {
  const ok =
    [g.stride[0], g.stride[1]].every((s) => Number.isInteger(s) && s >= 1) &&
    [g.padTop, g.padLeft, g.outHeight, g.outWidth].every((v) => Number.isInteger(v) && v >= 0);
  if (!ok) throw new InvalidArgumentError(`${owner}: bad geometry ${JSON.stringify(g)}`);
}

/** Float32 values of A per chunk of the product (bounds the memory of large maps). */
const CHUNK_VALUES = 1 << 22;

/** Packed kernels per kernel array and tap subset (see {@link packedTaps}). */
const packedWeights = new WeakMap<Float64Array, Map<string, PackedColumns>>();

/**
 * The kernel rows of the taps `rows` × `cols` (in that order, each with its `inChannels`
 * rows), packed for {@link gemm}; once per kernel array and tap subset.
 */
function packedTaps(w: ExactConvWeights, rows: readonly number[], cols: readonly number[]): PackedColumns {
  let byTaps = packedWeights.get(w.kernel);
  if (!byTaps) packedWeights.set(w.kernel, (byTaps = new Map()));
  const key = `${rows.join(',')}|${cols.join(',')}`;
  let p = byTaps.get(key);
  if (!p) {
    const C = w.inChannels;
    const O = w.outChannels;
    const all = rows.length === w.kernelHeight && cols.length === w.kernelWidth;
    let sub = w.kernel;
    if (!all) {
      sub = new Float64Array(rows.length * cols.length * C * O);
      let t = 0;
      for (const a of rows) {
        for (const b of cols) sub.set(w.kernel.subarray((a * w.kernelWidth + b) * C * O, (a * w.kernelWidth + b + 1) * C * O), t++ * C * O);
      }
    }
    p = packColumns(sub, rows.length * cols.length * C, O);
    byTaps.set(key, p);
  }
  return p;
}

/**
 * The shared core of the deterministic layers: output pixel `pixel(i)`'s K inputs are
 * gathered by `gather(i, dst, offset)` into `dst[offset + k · PANEL_ROWS]` (zeros need not
 * be written), multiplied with the packed kernel by {@link gemm} (float32, sequential in
 * k), and the bias is added last in float32. Works through the pixels in chunks, so memory
 * stays bounded.
 */
function convolve(
  out: Float64Array,
  count: number,
  pixel: (i: number) => number,
  k: number,
  kernel: PackedColumns,
  outChannels: number,
  bias: Float64Array | undefined,
  gather: (i: number, dst: Float32Array, offset: number) => void,
): void {
  const { packed, np } = kernel;
  const R = PANEL_ROWS;
  const chunkPanels = Math.max(1, Math.floor(CHUNK_VALUES / Math.max(1, k * R)));
  for (let first = 0; first < count; first += chunkPanels * R) {
    const n = Math.min(chunkPanels * R, count - first);
    const panels = Math.ceil(n / R);
    let product: Float32Array;
    if (k === 0) {
      // No taps at all (a kernel smaller than a transposed stride): the sum is +0.
      product = new Float32Array(panels * R * np);
    } else {
      const ap = new Float32Array(panels * k * R);
      for (let i = 0; i < n; i++) gather(first + i, ap, Math.floor(i / R) * k * R + (i % R));
      product = gemm(ap, packed, panels, k, np);
    }
    for (let i = 0; i < n; i++) {
      const o = pixel(first + i) * outChannels;
      if (bias) for (let j = 0; j < outChannels; j++) out[o + j] = Math.fround(product[i * np + j]! + bias[j]!);
      else for (let j = 0; j < outChannels; j++) out[o + j] = product[i * np + j]!;
    }
  }
}

/**
 * Deterministic 2-D cross-correlation (TF.js `conv2d` with explicit zero padding): output
 * (oy, ox, o) = bias[o] + Σ x(oy·sh + a - padTop, ox·sw + b - padLeft, c) · k[a][b][c][o],
 * a float32 sum in the order a, b, c (rows of the kernel, columns, input channels) from
 * +0, each product and partial sum rounded to float32, the bias added last (see
 * {@link gemm}). Positions outside the input contribute zeros. The same bits on every
 * JavaScript / WebAssembly engine and processor.
 */
export function exactConv2d(x: ExactMap, w: ExactConvWeights, g: ExactConvGeometry): ExactMap {
  // Tap t of output o reads input o·s + t - pad; every tap may reach every output.
  return tapConvolution('exactConv2d', x, w, g, {
    period: () => 1,
    reaches: () => true,
    at: (o, t, s, pad) => o * s + t - pad,
    source: (o, t, s, pad, n) => {
      const i = o * s + t - pad;
      return i >= 0 && i < n ? i : -1;
    },
  });
}

/**
 * Deterministic transposed convolution (TF.js `conv2dTranspose`, the gradient of a
 * convolution whose zero padding before the first row / column is `padTop` / `padLeft`):
 * input (iy, ix) lands on output (iy·sh + a - padTop, ix·sw + b - padLeft) through tap
 * (a, b). Each output is a float32 sum over the taps a, b and input channels c in that
 * order (taps that do not reach it contribute zeros), the bias added last, as
 * {@link exactConv2d}. `w` is in `[kh][kw][in][out]` order (see {@link transposedConvWeights}).
 *
 * Computed per output phase (Shi et al.'s sub-pixel view of a transposed convolution):
 * outputs whose row is `p` modulo the stride are reached only by the taps `a ≡ p + padTop`
 * modulo it, so each phase multiplies only those kernel rows — about stride² fewer
 * products for the same bits, since a skipped tap adds an exact zero to a sum that starts
 * at +0.
 */
export function exactConv2dTranspose(x: ExactMap, w: ExactConvWeights, g: ExactConvGeometry): ExactMap {
  // Tap t reaches output o from input (o + pad - t) / s, when that is a whole input position.
  return tapConvolution('exactConv2dTranspose', x, w, g, {
    period: (s) => s,
    reaches: (phase, t, s, pad) => (((phase + pad - t) % s) + s) % s === 0,
    at: (o, t, s, pad) => (o + pad - t) / s,
    source: (o, t, s, pad, n) => {
      const u = o + pad - t;
      if (u < 0 || u % s !== 0) return -1;
      const i = u / s;
      return i < n ? i : -1;
    },
  });
}

/** How a convolution's taps reach its outputs along one axis. */
interface TapRule {
  /**
   * After how many outputs (for stride `s`) the set of taps that can reach an output
   * repeats: 1 for a direct convolution, `s` for a transposed one.
   */
  readonly period: (s: number) => number;
  /** Whether tap `t` can reach the outputs `o ≡ phase` (mod the period), inputs' ends aside. */
  readonly reaches: (phase: number, t: number, s: number, pad: number) => boolean;
  /** The input row (or column) tap `t` of output `o` reads, bounds aside (an integer when the tap reaches `o`). */
  readonly at: (o: number, t: number, s: number, pad: number) => number;
  /**
   * Which input row (or column) tap `t` of output `o` reads, or -1 when none.
   * `s` is the stride; `pad` the zeros before the first input; `n` the input length.
   */
  readonly source: (o: number, t: number, s: number, pad: number, n: number) => number;
}

/** The taps (ascending) that can reach outputs `o ≡ phase` (mod the period) along one axis with `taps` taps. */
function phaseTaps(rule: TapRule, phase: number, taps: number, s: number, pad: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < taps; t++) if (rule.reaches(phase, t, s, pad)) out.push(t);
  return out;
}

/**
 * The shared body of {@link exactConv2d} and {@link exactConv2dTranspose}: the outputs are
 * split into phases (pixels whose row and column agree modulo the rule's period), and each
 * output sums the inputs of its phase's taps (taps reading outside the input give zeros) in
 * the order a, b, c: on the implicit-GEMM kernel where it runs ({@link implicitConvolution}),
 * else gathered by {@link convolve} (im2col) into panels for {@link gemm}, with the same bits.
 */
function tapConvolution(owner: string, x: ExactMap, w: ExactConvWeights, g: ExactConvGeometry, rule: TapRule): ExactMap {
  checkWeights(owner, x, w);
  checkGeometry(owner, g);
  const { outChannels: O } = w;
  const [sh, sw] = g.stride;
  const { outHeight: OH, outWidth: OW } = g;
  const out = new Float64Array(OH * OW * O);
  const [ph, pw] = [Math.min(rule.period(sh), OH), Math.min(rule.period(sw), OW)];
  const phases: ConvPhase[] = [];
  for (let py = 0; py < ph; py++) {
    for (let px = 0; px < pw; px++) {
      // Outputs of this phase: rows py, py + ph, ...; columns px, px + pw, ...
      const tapRows = phaseTaps(rule, py, w.kernelHeight, sh, g.padTop);
      const tapCols = phaseTaps(rule, px, w.kernelWidth, sw, g.padLeft);
      const [rows, cols] = [Math.ceil((OH - py) / ph), Math.ceil((OW - px) / pw)];
      phases.push({ py, px, rows, cols, tapRows, tapCols, packed: packedTaps(w, tapRows, tapCols) });
    }
  }
  const runner = convRunner();
  const spec = {
    outHeight: OH,
    outWidth: OW,
    outChannels: O,
    period: [ph, pw] as const,
    source: [(o: number, t: number) => rule.at(o, t, sh, g.padTop), (o: number, t: number) => rule.at(o, t, sw, g.padLeft)] as const,
    phases,
    bias: w.bias,
  };
  if (!runner || !implicitConvolution(runner, x, spec, out)) for (const p of phases) gatherPhase(x, w, g, rule, [ph, pw], p, out);
  return { height: OH, width: OW, channels: O, data: out };
}

/** One phase by im2col: each output gathers its taps' inputs into panels, {@link convolve} multiplies them. */
function gatherPhase(
  x: ExactMap,
  w: ExactConvWeights,
  g: ExactConvGeometry,
  rule: TapRule,
  [ph, pw]: readonly [number, number],
  p: ConvPhase,
  out: Float64Array,
): void {
  const { height: H, width: W, channels: C, data: xd } = x;
  const [sh, sw] = g.stride;
  const { py, px, rows, cols, tapRows, tapCols } = p;
  const R = PANEL_ROWS;
  const k = tapRows.length * tapCols.length * C;
  const pixel = (i: number): number => {
    const r = Math.floor(i / cols);
    return (py + r * ph) * g.outWidth + px + (i - r * cols) * pw;
  };
  convolve(out, rows * cols, pixel, k, p.packed, w.outChannels, w.bias, (i, dst, offset) => {
    const r = Math.floor(i / cols);
    const oy = py + r * ph;
    const ox = px + (i - r * cols) * pw;
    for (let ta = 0; ta < tapRows.length; ta++) {
      const iy = rule.source(oy, tapRows[ta]!, sh, g.padTop, H);
      if (iy < 0) continue;
      for (let tb = 0; tb < tapCols.length; tb++) {
        const ix = rule.source(ox, tapCols[tb]!, sw, g.padLeft, W);
        if (ix < 0) continue;
        const xo = (iy * W + ix) * C;
        const d = offset + (ta * tapCols.length + tb) * C * R;
        for (let c = 0; c < C; c++) dst[d + c * R] = xd[xo + c]!;
      }
    }
  });
}

/**
 * Reorders a transposed convolution's filter `[kh][kw][out][in]` (TF.js `conv2dTranspose`)
 * to the `[kh][kw][in][out]` order of {@link ExactConvWeights}.
 */
export function transposedConvWeights(
  filter: Float64Array,
  kernelHeight: number,
  kernelWidth: number,
  outChannels: number,
  inChannels: number,
  bias?: Float64Array,
): ExactConvWeights {
  const kernel = new Float64Array(filter.length);
  for (let t = 0; t < kernelHeight * kernelWidth; t++) {
    const base = t * outChannels * inChannels;
    for (let o = 0; o < outChannels; o++) for (let c = 0; c < inChannels; c++) kernel[base + c * outChannels + o] = filter[base + o * inChannels + c]!;
  }
  return { kernelHeight, kernelWidth, inChannels, outChannels, kernel, bias };
}

/**
 * Deterministic dense layer on every pixel (or token): out[p][o] = bias[o] + Σ_c x[p][c] ·
 * kernel[c][o], a float32 sum in the order of c, the bias added last (see {@link exactConv2d}).
 * @param kernel - `[inFeatures][outFeatures]`.
 */
export function exactDense(x: ExactMap, kernel: Float64Array, outFeatures: number, bias?: Float64Array): ExactMap {
  const C = x.channels;
  if (kernel.length !== C * outFeatures) throw new ShapeError(`exactDense: kernel has ${kernel.length} values, expected ${C}x${outFeatures}`);
  return exactConv2d(
    x,
    { kernelHeight: 1, kernelWidth: 1, inChannels: C, outChannels: outFeatures, kernel, bias },
    { stride: [1, 1], padTop: 0, padLeft: 0, outHeight: x.height, outWidth: x.width },
  );
}
