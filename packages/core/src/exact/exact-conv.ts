import { InvalidArgumentError, ShapeError } from '../errors/index.js';
import type { ExactMap } from './exact-map.js';

/**
 * Weights of a deterministic convolution: `kernel` in `[kh][kw][inChannels][outChannels]`
 * order (TF.js `conv2d`'s filter layout; a transposed convolution's `[kh][kw][out][in]`
 * filter is reordered to this by {@link transposedConvWeights}), an optional bias.
 */
export interface ExactConvWeights {
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: Float64Array;
  readonly bias?: Float64Array | undefined;
}

/** Geometry of a convolution: strides, the zeros before the first row / column, and the output size. */
export interface ExactConvGeometry {
  readonly stride: readonly [number, number];
  readonly padTop: number;
  readonly padLeft: number;
  readonly outHeight: number;
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
  const ok = [g.stride[0], g.stride[1]].every((s) => Number.isInteger(s) && s >= 1) && [g.padTop, g.padLeft, g.outHeight, g.outWidth].every((v) => Number.isInteger(v) && v >= 0);
  if (!ok) throw new InvalidArgumentError(`${owner}: bad geometry ${JSON.stringify(g)}`);
}

/**
 * Deterministic 2-D cross-correlation (TF.js `conv2d` with explicit zero padding): output
 * (oy, ox, o) = bias[o] + Σ x(oy·sh + a - padTop, ox·sw + b - padLeft, c) · k[a][b][c][o],
 * summed in float64 in the order a, b, c (rows of the kernel, columns, input channels),
 * the bias added last. Positions outside the input contribute nothing. The same bits on
 * every JavaScript engine.
 */
export function exactConv2d(x: ExactMap, w: ExactConvWeights, g: ExactConvGeometry): ExactMap {
  checkWeights('exactConv2d', x, w);
  checkGeometry('exactConv2d', g);
  const { height: H, width: W, channels: C, data: xd } = x;
  const { kernelHeight: KH, kernelWidth: KW, outChannels: O, kernel: k, bias } = w;
  const [sh, sw] = g.stride;
  const OH = g.outHeight;
  const OW = g.outWidth;
  const out = new Float64Array(OH * OW * O);
  const acc = new Float64Array(O);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      acc.fill(0);
      for (let a = 0; a < KH; a++) {
        const iy = oy * sh + a - g.padTop;
        if (iy < 0 || iy >= H) continue;
        for (let b = 0; b < KW; b++) {
          const ix = ox * sw + b - g.padLeft;
          if (ix < 0 || ix >= W) continue;
          const xo = (iy * W + ix) * C;
          const ko = (a * KW + b) * C * O;
          for (let c = 0; c < C; c++) {
            const xv = xd[xo + c]!;
            if (xv === 0) continue;
            const kr = ko + c * O;
            for (let o = 0; o < O; o++) acc[o]! += xv * k[kr + o]!;
          }
        }
      }
      const oo = (oy * OW + ox) * O;
      if (bias) for (let o = 0; o < O; o++) out[oo + o] = acc[o]! + bias[o]!;
      else out.set(acc, oo);
    }
  }
  return { height: OH, width: OW, channels: O, data: out };
}

/**
 * Deterministic transposed convolution (TF.js `conv2dTranspose`, the gradient of a
 * convolution whose zero padding before the first row / column is `padTop` / `padLeft`):
 * input (iy, ix) lands on output (iy·sh + a - padTop, ix·sw + b - padLeft) through tap
 * (a, b). Each output sums its contributions in float64 in the order a, b, c (taps, then
 * input channels), the bias added last. `w` is in `[kh][kw][in][out]` order (see
 * {@link transposedConvWeights}).
 */
export function exactConv2dTranspose(x: ExactMap, w: ExactConvWeights, g: ExactConvGeometry): ExactMap {
  checkWeights('exactConv2dTranspose', x, w);
  checkGeometry('exactConv2dTranspose', g);
  const { height: H, width: W, channels: C, data: xd } = x;
  const { kernelHeight: KH, kernelWidth: KW, outChannels: O, kernel: k, bias } = w;
  const [sh, sw] = g.stride;
  const OH = g.outHeight;
  const OW = g.outWidth;
  const out = new Float64Array(OH * OW * O);
  const acc = new Float64Array(O);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      acc.fill(0);
      for (let a = 0; a < KH; a++) {
        const ty = oy + g.padTop - a;
        if (ty < 0 || ty % sh !== 0) continue;
        const iy = ty / sh;
        if (iy >= H) continue;
        for (let b = 0; b < KW; b++) {
          const tx = ox + g.padLeft - b;
          if (tx < 0 || tx % sw !== 0) continue;
          const ix = tx / sw;
          if (ix >= W) continue;
          const xo = (iy * W + ix) * C;
          const ko = (a * KW + b) * C * O;
          for (let c = 0; c < C; c++) {
            const xv = xd[xo + c]!;
            if (xv === 0) continue;
            const kr = ko + c * O;
            for (let o = 0; o < O; o++) acc[o]! += xv * k[kr + o]!;
          }
        }
      }
      const oo = (oy * OW + ox) * O;
      if (bias) for (let o = 0; o < O; o++) out[oo + o] = acc[o]! + bias[o]!;
      else out.set(acc, oo);
    }
  }
  return { height: OH, width: OW, channels: O, data: out };
}

/**
 * Reorders a transposed convolution's filter `[kh][kw][out][in]` (TF.js `conv2dTranspose`)
 * to the `[kh][kw][in][out]` order of {@link ExactConvWeights}.
 */
export function transposedConvWeights(filter: Float64Array, kernelHeight: number, kernelWidth: number, outChannels: number, inChannels: number, bias?: Float64Array): ExactConvWeights {
  const kernel = new Float64Array(filter.length);
  for (let t = 0; t < kernelHeight * kernelWidth; t++) {
    const base = t * outChannels * inChannels;
    for (let o = 0; o < outChannels; o++) for (let c = 0; c < inChannels; c++) kernel[base + c * outChannels + o] = filter[base + o * inChannels + c]!;
  }
  return { kernelHeight, kernelWidth, inChannels, outChannels, kernel, bias };
}

/**
 * Deterministic dense layer on every pixel (or token): out[p][o] = bias[o] + Σ_c x[p][c] ·
 * kernel[c][o], summed in float64 in the order of c, the bias added last.
 * @param kernel - `[inFeatures][outFeatures]`.
 */
export function exactDense(x: ExactMap, kernel: Float64Array, outFeatures: number, bias?: Float64Array): ExactMap {
  const C = x.channels;
  if (kernel.length !== C * outFeatures) throw new ShapeError(`exactDense: kernel has ${kernel.length} values, expected ${C}x${outFeatures}`);
  return exactConv2d(x, { kernelHeight: 1, kernelWidth: 1, inChannels: C, outChannels: outFeatures, kernel, bias }, { stride: [1, 1], padTop: 0, padLeft: 0, outHeight: x.height, outWidth: x.width });
}
