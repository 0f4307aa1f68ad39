/**
 * Padding conventions of the convolution layers, stated exactly.
 *
 * Output sizes (H input height, k kernel height, s stride; the same for widths):
 *
 * | padding       | {@link Conv2d}          | {@link ConvTranspose2d} |
 * | ------------- | ----------------------- | ----------------------- |
 * | `same`        | ceil(H / s)             | H * s                   |
 * | `same_zeros`  | ceil(H / s)             | H * s                   |
 * | `valid`       | floor((H - k) / s) + 1  | (H - 1) * s + k         |
 *
 * The two "same" modes differ in where the zeros go, i.e. in which input pixel the sampling
 * grid starts from:
 *
 * - `same`: TensorFlow's `SAME` (Keras `Conv2D` / `Conv2DTranspose` with
 *   `padding="same"`, used by the HiFiC encoder and generator and by MRIC / ELIC).
 *   The total padding P = max((ceil(H / s) - 1) * s + k - H, 0) is split
 *   floor(P / 2) before and ceil(P / 2) after: the extra pixel goes to the bottom / right.
 *   For a transposed convolution the split is that of the forward convolution from H * s
 *   to H, i.e. P = max(k - s, 0).
 * - `same_zeros`: TFC's `SignalConv2D(padding="same_zeros")` (TFC `same_padding_for_kernel`),
 *   equal to CompressAI's `conv(..., padding=k // 2)` / `deconv(..., padding=k // 2,
 *   output_padding=s - 1)` for odd k. The padding is floor(k / 2) before and
 *   floor((k - 1) / 2) after whatever H and s are, so output i of a strided convolution is
 *   centred on input s * i, and input i of a transposed convolution lands on output s * i.
 *   Zeros beyond the last sample a stride reaches are never read.
 *
 * For odd k they agree exactly when stride 1 (k // 2 zeros on each side) or, for a strided
 * convolution, when s divides H - 1. Otherwise the grids are offset: a 5x5 stride-2
 * convolution of an even-sized input is padded (1, 2) and centres output i on input 2i + 1
 * under `same`, (2, 2) and input 2i under `same_zeros`; a stride-2 transposed convolution
 * with k = 3 or 5 puts input i on output 2i + 1 under `same` but 2i under `same_zeros`
 * (whatever H). Weights trained under one convention give shifted outputs under the other:
 * load TFC `SignalConv2D` and CompressAI weights with `same_zeros`, Keras weights with
 * `same`.
 */
import { InvalidArgumentError } from '@ncomp/core';

/** Padding mode of the convolutions; see the table in `conv/padding.ts` and the layer docs. */
export type ConvPadding = 'same' | 'same_zeros' | 'valid';

/** TF.js explicit padding: [before, after] for the N, H, W and C axes. */
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** Throws unless `padding` is one of the {@link ConvPadding} modes. */
export function checkPadding(owner: string, padding: unknown): asserts padding is ConvPadding {
  if (padding !== 'same' && padding !== 'same_zeros' && padding !== 'valid') {
    throw new InvalidArgumentError(`${owner}: padding must be 'same', 'same_zeros' or 'valid', found ${String(padding)}`);
  }
}

/**
 * Output length of a convolution along one axis: ceil(length / stride) for the "same"
 * modes, floor((length - kernel) / stride) + 1 for `valid` (0 when length < kernel).
 *
 * @param length - Input length (height or width).
 * @param kernel - Kernel length.
 * @param stride - Stride (downsampling factor).
 * @param padding - See {@link ConvPadding}.
 */
export function convOutputLength(length: number, kernel: number, stride: number, padding: ConvPadding): number {
  if (padding === 'valid') return length < kernel ? 0 : Math.floor((length - kernel) / stride) + 1;
  return Math.ceil(length / stride);
}

/**
 * Output length of a transposed convolution along one axis: length * stride for the
 * "same" modes, (length - 1) * stride + kernel for `valid`.
 *
 * @param length - Input length (height or width).
 * @param kernel - Kernel length.
 * @param stride - Stride (upsampling factor).
 * @param padding - See {@link ConvPadding}.
 */
export function convTransposeOutputLength(length: number, kernel: number, stride: number, padding: ConvPadding): number {
  if (padding === 'valid') return (length - 1) * stride + kernel;
  return length * stride;
}

/**
 * The `pad` argument of `tf.conv2d` / `tf.conv2dTranspose` implementing `padding`:
 * TF.js's own `'same'` and `'valid'` (which follow TensorFlow), or explicit
 * [floor(k / 2), floor((k - 1) / 2)] per spatial axis for `same_zeros`.
 */
export function tfPadding(padding: ConvPadding, kernel: readonly [number, number]): 'same' | 'valid' | ExplicitPadding {
  if (padding !== 'same_zeros') return padding;
  const [kh, kw] = kernel;
  return [
    [0, 0],
    [Math.floor(kh / 2), Math.floor((kh - 1) / 2)],
    [Math.floor(kw / 2), Math.floor((kw - 1) / 2)],
    [0, 0],
  ];
}
