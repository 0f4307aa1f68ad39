import { InvalidArgumentError, ShapeError } from '../errors/index.js';
import type { ExactMap } from './exact-map.js';
import { PANEL_ROWS, gemm, packColumns } from './wasm/gemm.js';

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

const packedWeights = new WeakMap<Float64Array, { readonly packed: Float32Array; readonly np: number }>();

/** `w.kernel` packed for {@link gemm}, once per kernel array. */
function packedKernel(kernel: Float64Array, k: number, n: number): { readonly packed: Float32Array; readonly np: number } {
  let p = packedWeights.get(kernel);
  if (!p) {
    p = packColumns(kernel, k, n);
    packedWeights.set(kernel, p);
  }
  return p;
}

/**
 * The shared core of the deterministic layers: output pixel m's K inputs are gathered by
 * `gather(m, dst, offset)` into `dst[offset + k · PANEL_ROWS]` (zeros need not be written),
 * multiplied with the kernel by {@link gemm} (float32, sequential in k), and the bias is
 * added last in float32. Works through the pixels in chunks, so memory stays bounded.
 */
function convolve(
  pixels: number,
  k: number,
  kernel: Float64Array,
  outChannels: number,
  bias: Float64Array | undefined,
  gather: (m: number, dst: Float32Array, offset: number) => void,
): Float64Array {
  const { packed, np } = packedKernel(kernel, k, outChannels);
  const out = new Float64Array(pixels * outChannels);
  const R = PANEL_ROWS;
  const chunkPanels = Math.max(1, Math.floor(CHUNK_VALUES / Math.max(1, k * R)));
  for (let first = 0; first < pixels; first += chunkPanels * R) {
    const count = Math.min(chunkPanels * R, pixels - first);
    const panels = Math.ceil(count / R);
    const ap = new Float32Array(panels * k * R);
    for (let i = 0; i < count; i++) gather(first + i, ap, Math.floor(i / R) * k * R + (i % R));
    const c = gemm(ap, packed, panels, k, np);
    for (let i = 0; i < count; i++) {
      const o = (first + i) * outChannels;
      if (bias) for (let j = 0; j < outChannels; j++) out[o + j] = Math.fround(c[i * np + j]! + bias[j]!);
      else for (let j = 0; j < outChannels; j++) out[o + j] = c[i * np + j]!;
    }
  }
  return out;
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
  // Tap t of output o reads input o·s + t - pad.
  return tapConvolution('exactConv2d', x, w, g, (o, t, s, pad, n) => {
    const i = o * s + t - pad;
    return i >= 0 && i < n ? i : -1;
  });
}

/**
 * Deterministic transposed convolution (TF.js `conv2dTranspose`, the gradient of a
 * convolution whose zero padding before the first row / column is `padTop` / `padLeft`):
 * input (iy, ix) lands on output (iy·sh + a - padTop, ix·sw + b - padLeft) through tap
 * (a, b). Each output is a float32 sum over the taps a, b and input channels c in that
 * order (taps that do not reach it contribute zeros), the bias added last, as
 * {@link exactConv2d}. `w` is in `[kh][kw][in][out]` order (see {@link transposedConvWeights}).
 */
export function exactConv2dTranspose(x: ExactMap, w: ExactConvWeights, g: ExactConvGeometry): ExactMap {
  // Tap t reaches output o from input (o + pad - t) / s, when that is a whole input position.
  return tapConvolution('exactConv2dTranspose', x, w, g, (o, t, s, pad, n) => {
    const u = o + pad - t;
    if (u < 0 || u % s !== 0) return -1;
    const i = u / s;
    return i < n ? i : -1;
  });
}

/**
 * Which input row (or column) tap `t` of output `o` reads along one axis, or -1 when none.
 * @param s - The stride; `pad` the zeros before the first input; `n` the input length.
 */
type TapSource = (o: number, t: number, s: number, pad: number, n: number) => number;

/**
 * The shared body of {@link exactConv2d} and {@link exactConv2dTranspose}: each output
 * pixel gathers the inputs its taps read (`source` per axis; taps reading nothing stay
 * zero) in the order a, b, c, and {@link convolve} multiplies them with the kernel.
 */
function tapConvolution(owner: string, x: ExactMap, w: ExactConvWeights, g: ExactConvGeometry, source: TapSource): ExactMap {
  checkWeights(owner, x, w);
  checkGeometry(owner, g);
  const { height: H, width: W, channels: C, data: xd } = x;
  const { kernelHeight: KH, kernelWidth: KW, outChannels: O } = w;
  const [sh, sw] = g.stride;
  const OW = g.outWidth;
  const R = PANEL_ROWS;
  const data = convolve(g.outHeight * OW, KH * KW * C, w.kernel, O, w.bias, (m, dst, offset) => {
    const oy = Math.floor(m / OW);
    const ox = m - oy * OW;
    for (let a = 0; a < KH; a++) {
      const iy = source(oy, a, sh, g.padTop, H);
      if (iy < 0) continue;
      for (let b = 0; b < KW; b++) {
        const ix = source(ox, b, sw, g.padLeft, W);
        if (ix < 0) continue;
        const xo = (iy * W + ix) * C;
        const d = offset + (a * KW + b) * C * R;
        for (let c = 0; c < C; c++) dst[d + c * R] = xd[xo + c]!;
      }
    }
  });
  return { height: g.outHeight, width: OW, channels: O, data };
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
