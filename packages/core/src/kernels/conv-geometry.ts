/**
 * Padding geometry of TF.js 2-D convolutions, as `conv_util.computeConv2DInfo` derives
 * it: the zeros added before the first row / column for each padding mode.
 */

/** A TF.js conv padding attribute: `same`, `valid`, a number, or explicit NHWC pairs. */
export type ConvPadding = 'same' | 'valid' | number | readonly (readonly [number, number])[];

/**
 * Zeros before the first element along one spatial axis.
 *
 * @param padding - The conv's padding attribute.
 * @param axis - 0 for height, 1 for width.
 * @param inSize - Input size along the axis.
 * @param outSize - Output size along the axis.
 * @param stride - Stride along the axis.
 * @param kernel - Kernel size along the axis (dilation 1).
 */
export function padBefore(padding: ConvPadding, axis: 0 | 1, inSize: number, outSize: number, stride: number, kernel: number): number {
  if (padding === 'valid') return 0;
  if (padding === 'same') return Math.floor(Math.max(0, (outSize - 1) * stride + kernel - inSize) / 2);
  if (typeof padding === 'number') return padding;
  return padding[axis + 1]![0];
}
