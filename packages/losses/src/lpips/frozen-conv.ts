/**
 * Convolution with a frozen filter whose input gradient is computed by forward
 * convolutions. TF.js's wasm backend computes `Conv2DBackpropInput` with a plain loop,
 * several times slower than its XNNPACK forward convolution; LPIPS needs only input
 * gradients, so they are routed through `conv2d` instead.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Rows `[rowStart, rowStart + rows)` and columns `[colStart, colStart + cols)` of `t`
 * `[N, h, w, C]`, with zeros where the window leaves the tensor.
 */
function window2d(t: tf.Tensor4D, rowStart: number, rows: number, colStart: number, cols: number): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  const span = (start: number, count: number, size: number): [number, number, number, number] => {
    const before = Math.min(count, Math.max(0, -start));
    const from = Math.max(0, start);
    const length = Math.max(0, Math.min(size, start + count) - from);
    return [before, from, length, count - before - length];
  };
  const [top, r0, rn, bottom] = span(rowStart, rows, h);
  const [left, c0, cn, right] = span(colStart, cols, w);
  if (rn === 0 || cn === 0) return tf.zeros([n, rows, cols, c]);
  const inside = tf.slice(t, [0, r0, c0, 0], [n, rn, cn, c]);
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return inside;
  return tf.pad(inside, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
}

/**
 * The gradient of `conv2d(x, filter, stride, pad)` with respect to `x`, by polyphase
 * decomposition: input row `t = q * stride + r` (in padded coordinates) receives
 * `sum_m dy[q - m] * filter[m * stride + r]`, a stride-1 full convolution of `dy` with
 * the sub-filter `filter[r::stride]` for each phase `r` (and likewise for columns). Each
 * phase is one forward `conv2d` with the sub-filter flipped and its channel axes
 * swapped; the phases are then interleaved and the padding cropped. For stride 1 this
 * is the familiar full convolution with the flipped filter.
 *
 * @param dy - Gradient of the output `[N, h, w, O]`.
 * @param filter - HWIO filter `[kh, kw, C, O]`.
 * @param inShape - Shape of `x` `[N, H, W, C]`.
 * @param stride - Stride of the forward convolution (both axes).
 * @param pad - Symmetric zero padding of the forward convolution (both axes).
 *
 * @internal
 */
export function conv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inShape: readonly [number, number, number, number],
  stride: number,
  pad: number,
): tf.Tensor4D {
  const [n, inH, inW, inC] = inShape;
  const [kh, kw, , outC] = filter.shape;
  // Padded input rows [pad, pad + H) are wanted: phase rows q in [q0, q1).
  const q0 = Math.floor(pad / stride);
  const q1 = Math.ceil((pad + inH) / stride);
  const p0 = Math.floor(pad / stride);
  const p1 = Math.ceil((pad + inW) / stride);
  const phases: tf.Tensor4D[][] = [];
  for (let r = 0; r < stride; r++) {
    const row: tf.Tensor4D[] = [];
    const kr = Math.max(0, Math.ceil((kh - r) / stride));
    for (let c = 0; c < stride; c++) {
      const kc = Math.max(0, Math.ceil((kw - c) / stride));
      if (kr === 0 || kc === 0) {
        row.push(tf.zeros([n, q1 - q0, p1 - p0, inC]));
        continue;
      }
      const sub = stride === 1 ? filter : tf.stridedSlice(filter, [r, c, 0, 0], [kh, kw, inC, outC], [stride, stride, 1, 1]);
      const flipped = tf.transpose(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const source = window2d(dy, q0 - (kr - 1), q1 - q0 + kr - 1, p0 - (kc - 1), p1 - p0 + kc - 1);
      row.push(tf.conv2d(source, flipped, 1, 'valid'));
    }
    phases.push(row);
  }
  let full: tf.Tensor4D;
  if (stride === 1) {
    full = phases[0]![0]!;
  } else {
    // [N, Q, s, P, s, C]: row phase after q, column phase after p.
    const interleaved = tf.stack(
      phases.map((row) => tf.stack(row, 3)),
      2,
    );
    full = tf.reshape(interleaved, [n, (q1 - q0) * stride, (p1 - p0) * stride, inC]);
  }
  const rowOffset = pad - q0 * stride;
  const colOffset = pad - p0 * stride;
  if (rowOffset === 0 && colOffset === 0 && full.shape[1] === inH && full.shape[2] === inW) return full;
  return tf.slice(full, [0, rowOffset, colOffset, 0], [n, inH, inW, inC]);
}

/** One convolution of {@link frozenConvRelu}: HWIO filter, bias and symmetric padding. */
export interface ConvBranch {
  /** HWIO filter `[kh, kw, C, O]`. */
  readonly filter: tf.Tensor4D;
  /** Bias `[O]`. */
  readonly bias: tf.Tensor;
  /** Zero padding on each side. */
  readonly pad: number;
}

/**
 * `concat_k relu(conv2d(x, filter_k, stride, pad_k) + bias_k)` over the channel axis
 * (one branch: a plain convolution + ReLU; two: the expand stage of a SqueezeNet Fire
 * module), whose gradient reaches `x` only: filters and biases are constants.
 *
 * The forward pass runs as fused ops. For backprop only the output is kept (one copy:
 * TF.js copies every tensor it saves for the backward pass, and the unfused ops would
 * keep input, filter, pre-activation and bias copies); the backward pass masks the
 * output gradient where the output is zero, splits it by branch and sums the input
 * gradients from {@link conv2dInputGradient}.
 *
 * @param x - Input `[N, H, W, C]`.
 * @param branches - The convolutions, all producing the same spatial size.
 * @param stride - Stride of every branch.
 *
 * @internal
 */
export function frozenConvRelu(x: tf.Tensor4D, branches: readonly ConvBranch[], stride: number): tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const shape = (input as tf.Tensor4D).shape;
    // Ops inside customGrad are not recorded for backprop, so the fused ops' own
    // gradients (which need Conv2DBackpropFilter) are never asked for.
    const outputs = branches.map(({ filter, bias, pad }) =>
      tf.fused.conv2d({
        x: input as tf.Tensor4D,
        filter,
        strides: stride,
        pad: pad === 0 ? 'valid' : pad,
        bias,
        activation: 'relu',
      }),
    );
    const value = outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 3);
    save([value]);
    // customGrad calls gradFunc outside any tidy scope: free the intermediates at once.
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor =>
      tf.tidy(() => {
        const masked = tf.mul(dy, tf.step(saved[0]!)) as tf.Tensor4D;
        const parts =
          branches.length === 1
            ? [masked]
            : tf.split(
                masked,
                branches.map((b) => b.filter.shape[3]),
                3,
              );
        const grads = branches.map((b, k) => conv2dInputGradient(parts[k] as tf.Tensor4D, b.filter, shape, stride, b.pad));
        return grads.length === 1 ? grads[0]! : tf.addN(grads);
      });
    return { value, gradFunc };
  });
  return op(x) as tf.Tensor4D;
}
