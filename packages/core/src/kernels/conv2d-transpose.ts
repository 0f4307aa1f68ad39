import * as tf from '@tensorflow/tfjs-core';
import { padBefore, type ConvPadding } from './conv-geometry.js';
import { isPatchConv, patchConv2dTranspose } from './patch-conv.js';

/**
 * Transposed 2-D convolution (NHWC), with the semantics of `tf.conv2dTranspose`.
 *
 * On the wasm backend it is computed by phase decomposition (the "sub-pixel" view of a
 * strided transposed convolution): output pixel `o` only receives filter taps `t` with
 * `t ≡ (o + pad) mod s`, so each of the `s x s` output phases is an ordinary stride-1
 * convolution of the input with the taps of that phase (flipped), and the phases are
 * interleaved back (depth-to-space). That does exactly the multiply-adds of the
 * transposed convolution with fast forward convolutions, where TF.js's own
 * `Conv2DBackpropInput` kernel is slow; and being built of differentiable ops it can be
 * trained (TF.js's gradient needs `Conv2DBackpropFilter`, which wasm lacks). On other
 * backends it is `tf.conv2dTranspose`, whose kernels are the faster choice there.
 * Non-overlapping ones (kernel = stride, no padding) are one matrix product on wasm
 * (`patch-conv.ts`).
 *
 * @param x - Input [N, H, W, inChannels].
 * @param filter - [kh, kw, outChannels, inChannels], the layout of `tf.conv2dTranspose`.
 * @param outputShape - [N, outH, outW, outChannels].
 * @param strides - Upsampling factors.
 * @param padding - Padding of the convolution this transposes (`same`: outH = H * stride).
 */
export function conv2dTranspose(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  outputShape: readonly [number, number, number, number],
  strides: number | readonly [number, number],
  padding: ConvPadding,
): tf.Tensor4D {
  const s: [number, number] = typeof strides === 'number' ? [strides, strides] : [strides[0], strides[1]];
  if (tf.getBackend() !== 'wasm') {
    const pad = typeof padding === 'object' ? (padding.map((p) => [p[0], p[1]]) as [number, number][]) : padding;
    return tf.conv2dTranspose(x, filter, [...outputShape], s, pad as 'same' | 'valid' | number);
  }
  const [n, h, w] = x.shape;
  const [kh, kw] = filter.shape;
  if (outputShape[0] === n && outputShape[1] === h * kh && outputShape[2] === w * kw && isPatchConv(kh, kw, s, padding, outputShape[1], outputShape[2])) {
    return patchConv2dTranspose(x, filter);
  }
  return conv2dTransposeByPhases(x, filter, outputShape, s, padding);
}

/** The phase decomposition of {@link conv2dTranspose}, on any backend. */
export function conv2dTransposeByPhases(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  outputShape: readonly [number, number, number, number],
  strides: readonly [number, number],
  padding: ConvPadding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, cin] = x.shape;
    const [kh, kw, cout] = filter.shape;
    const [, outH, outW] = outputShape;
    const [sh, sw] = strides;
    // Padding of the forward conv (outputShape -> x) that this transposes.
    const top = padBefore(padding, 0, outH, h, sh, kh);
    const left = padBefore(padding, 1, outW, w, sw, kw);
    const qh = Math.ceil((outH + top) / sh);
    const qw = Math.ceil((outW + left) / sw);
    // [kh, kw, cout, cin] -> [kh, kw, cin, cout] for forward convs.
    const f = tf.transpose(filter, [0, 1, 3, 2]) as tf.Tensor4D;
    // Interleave the phases with concats along the leading axis and rank-3 transposes:
    // columns [sw, N * qh * qw... ] then rows. That keeps the backward pass to contiguous
    // slices and transposes; `tf.stack` on an inner axis was measured to cost 2/3 of a
    // training step on wasm (its gradient, Unpack, slices element by element), and a
    // single rank-5 transpose takes wasm's slow generic path.
    const rows: tf.Tensor[] = [];
    for (let rh = 0; rh < sh; rh++) {
      const phases: tf.Tensor[] = [];
      for (let rw = 0; rw < sw; rw++) phases.push(phase(x, f, rh, rw, sh, sw, kh, kw, qh, qw, n, h, w, cin, cout));
      // [sw, N * qh * qw, C] -> [N * qh * qw, sw, C] = [N * qh, qw * sw * C].
      const cols = phases.length === 1 ? phases[0]! : tf.transpose(tf.reshape(tf.concat(phases, 0), [sw, n * qh * qw, cout]), [1, 0, 2]);
      rows.push(tf.reshape(cols, [n * qh, qw * sw * cout]));
    }
    // [sh, N * qh, W * C] -> [N * qh, sh, W * C] = [N, qh * sh, qw * sw, C].
    const interleaved = rows.length === 1 ? rows[0]! : tf.transpose(tf.reshape(tf.concat(rows, 0), [sh, n * qh, qw * sw * cout]), [1, 0, 2]);
    const full = tf.reshape(interleaved, [n, qh * sh, qw * sw, cout]);
    return tf.slice(full, [0, top, left, 0], [n, outH, outW, cout]) as tf.Tensor4D;
  });
}

/**
 * Output phase (rh, rw): out[q] = Σ_m x[q - m] w[r + s m] per axis, as a valid
 * correlation of the input, padded by (taps - 1) before, with the phase's taps reversed.
 * Returns [N, qh, qw, cout].
 */
function phase(
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  rh: number,
  rw: number,
  sh: number,
  sw: number,
  kh: number,
  kw: number,
  qh: number,
  qw: number,
  n: number,
  h: number,
  w: number,
  cin: number,
  cout: number,
): tf.Tensor {
  const mh = Math.ceil((kh - rh) / sh);
  const mw = Math.ceil((kw - rw) / sw);
  if (mh <= 0 || mw <= 0) return tf.zeros([n, qh, qw, cout]);
  // Taps r + s m for m = mh - 1 .. 0 (reversed), along each axis.
  const tapsH = Array.from({ length: mh }, (_, u) => rh + sh * (mh - 1 - u));
  const tapsW = Array.from({ length: mw }, (_, u) => rw + sw * (mw - 1 - u));
  // Slices rather than tf.gather: gather's gradient needs UnsortedSegmentSum, absent on wasm.
  const pick = (t: tf.Tensor4D, taps: number[], axis: 0 | 1): tf.Tensor4D => {
    const parts = taps.map((tap) => {
      const begin = [0, 0, 0, 0];
      const size = [...t.shape];
      begin[axis] = tap;
      size[axis] = 1;
      return tf.slice(t, begin, size);
    });
    return (parts.length === 1 ? parts[0]! : tf.concat(parts, axis)) as tf.Tensor4D;
  };
  const sub = pick(pick(f, tapsH, 0), tapsW, 1); // [mh, mw, cin, cout]
  const padBottom = qh - h;
  const padRight = qw - w;
  let input: tf.Tensor4D = x;
  if (padBottom < 0 || padRight < 0) {
    input = tf.slice(input, [0, 0, 0, 0], [n, Math.min(h, qh), Math.min(w, qw), cin]);
  }
  input = tf.pad(input, [
    [0, 0],
    [mh - 1, Math.max(0, padBottom)],
    [mw - 1, Math.max(0, padRight)],
    [0, 0],
  ]);
  return tf.conv2d(input, sub, 1, 'valid');
}
