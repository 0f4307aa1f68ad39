/**
 * Fast gradients of `Conv2D` on the wasm backend, expressed through forward convolutions.
 *
 * TF.js 4.22's wasm backend registers no `Conv2DBackpropFilter` kernel (training any
 * conv net fails) and its `Conv2DBackpropInput` is ~30x slower than the forward conv.
 * Its forward conv (XNNPACK) is fast, so both gradients are rewritten as forward convs:
 *
 * - filter gradient: dW[t, ci, co] = Σ_n Σ_o xpad[n, o s + t, ci] dy[n, o, co] is a
 *   conv of the input, transposed to [Ci, H, W, N] (channels as batch), with `dy`
 *   transposed to [Ho, Wo, N, Co] as the filter, dilated by the stride (one matrix
 *   product per kernel tap over strided slices was measured 2x slower on wasm);
 * - input gradient: the transposed convolution of `dy` with the filter, by phase
 *   decomposition into stride-1 forward convolutions (`conv2d-transpose.ts`).
 *
 * The Conv2D gradient is re-registered: on the wasm backend, for NHWC with dilation 1,
 * it uses these formulas (and, for non-overlapping convs with kernel = stride, two matrix
 * products: `patch-conv.ts`); everywhere else it defers to TF.js's own gradient, so native
 * and cpu backends keep their kernels. Checked against the cpu backend in tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import { padBefore, type ConvPadding } from './conv-geometry.js';
import { conv2dTransposeByPhases } from './conv2d-transpose.js';
import { imageToPatches, isPatchConv, patchConv2dTranspose } from './patch-conv.js';

/** Pads (positive) or crops (negative) the spatial axes of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = y.shape;
    const t = Math.max(0, -top);
    const l = Math.max(0, -left);
    y = tf.slice(y, [0, t, l, 0], [n, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = tf.pad(y, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ]);
  }
  return y;
}

/**
 * Gradient of `conv2d(x, filter, strides, padding)` (NHWC, dilation 1) w.r.t. the
 * filter, computed with one forward convolution.
 */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: readonly [number, number, number, number],
  strides: readonly [number, number],
  padding: ConvPadding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = filterShape;
    const [, h, w] = x.shape;
    const [, ho, wo] = dy.shape;
    const [sh, sw] = strides;
    const top = padBefore(padding, 0, h, ho, sh, kh);
    const left = padBefore(padding, 1, w, wo, sw, kw);
    const needH = (ho - 1) * sh + kh;
    const needW = (wo - 1) * sw + kw;
    const xp = padOrCrop(x, top, needH - h - top, left, needW - w - left);
    const input = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci, H', W', N]
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, Co]
    const out = tf.conv2d(input, filter, 1, 'valid', 'NHWC', [sh, sw]); // [Ci, kh, kw, Co]
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * Gradient of `conv2d(x, filter, strides, padding)` (NHWC, dilation 1) w.r.t. its
 * input of shape `xShape`: the transposed convolution of `dy` with the same filter,
 * computed by phase decomposition (see {@link conv2dTransposeByPhases}).
 */
export function conv2dInputGradient(
  xShape: readonly [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: readonly [number, number],
  padding: ConvPadding,
): tf.Tensor4D {
  return conv2dTransposeByPhases(dy, filter, xShape, strides, padding);
}

let registered = false;

/**
 * Re-registers the Conv2D gradient with the wasm fast path (idempotent). Called when
 * `@ncomp/core` is imported.
 */
export function registerConv2dGradient(): void {
  if (registered) return;
  const original = tf.getGradient('Conv2D');
  if (!original) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as {
        strides: number | [number, number];
        pad: ConvPadding;
        dataFormat: 'NHWC' | 'NCHW';
        dilations: number | [number, number];
        dimRoundingMode?: string;
      };
      const dil = typeof a.dilations === 'number' ? [a.dilations, a.dilations] : a.dilations;
      const fast = tf.getBackend() === 'wasm' && a.dataFormat === 'NHWC' && dil[0] === 1 && dil[1] === 1 && a.dimRoundingMode === undefined;
      if (!fast) return original.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const strides = (typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides) as [number, number];
      const [kh, kw, ci, co] = filter.shape;
      if (isPatchConv(kh, kw, strides, a.pad, x.shape[1], x.shape[2])) {
        return {
          x: () => patchConv2dTranspose(dy as tf.Tensor4D, filter),
          filter: () =>
            tf.tidy(() => {
              const dyFlat = tf.reshape(dy as tf.Tensor4D, [-1, co]);
              return tf.reshape(tf.matMul(imageToPatches(x, kh, kw), dyFlat, true, false), [kh, kw, ci, co]);
            }),
        };
      }
      return {
        x: () => conv2dInputGradient(x.shape, dy as tf.Tensor4D, filter, strides, a.pad),
        filter: () => conv2dFilterGradient(x, dy as tf.Tensor4D, filter.shape, strides, a.pad),
      };
    },
  });
}
