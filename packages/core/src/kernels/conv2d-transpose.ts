import * as tf from '@tensorflow/tfjs-core';
import { padBefore, type ConvPadding } from './conv-geometry.js';
import { conv2dFilterGradient } from './conv2d-gradient.js';
import { isPatchConv, patchConv2dTranspose } from './patch-conv.js';
import { winogradConv3x3, winogradPays } from './winograd.js';

/**
 * Transposed 2-D convolution (NHWC), with the semantics of `tf.conv2dTranspose`.
 *
 * On the wasm backend it is computed by phase decomposition (the "sub-pixel" view of a
 * strided transposed convolution): output pixel `o` only receives filter taps `t` with
 * `t ≡ (o + pad) mod s`, so each of the `s x s` output phases is an ordinary stride-1
 * convolution of the input with the taps of that phase (flipped), and the phases are
 * interleaved back (depth-to-space). The phases are indexed from output row / column 0,
 * so nothing is cropped when s divides the output size (wasm's Slice copies row by row in
 * JavaScript), and each phase conv pads natively (explicit padding, no separate pad).
 * {@link conv2dTransposeByPhases} picks how to run the phases (see {@link PhaseStrategy}):
 * four separate convs (5x5 stride 2 with 128 channels), one combined conv with s² x the
 * output channels (3 output channels, where XNNPACK would pad each phase to 8), or that
 * combined conv by Winograd F(4x4, 3x3) for wide layers in the forward pass. That is
 * where TF.js's own `Conv2DBackpropInput` kernel is ~30x slower than XNNPACK's forward
 * convolution, and where TF.js's gradient needs `Conv2DBackpropFilter`, which wasm lacks.
 * On other backends it is `tf.conv2dTranspose`, whose kernels are the faster choice
 * there. Non-overlapping ones (kernel = stride, no padding) are one matrix product on
 * wasm (`patch-conv.ts`).
 *
 * Its gradient on wasm is not the gradient of those ops but the transposed conv's own:
 * dx = conv2d(dy, filter, strides, padding), one strided forward convolution, and the
 * filter gradient of that convolution with the roles of dy and x exchanged
 * ({@link conv2dFilterGradient}). That is fewer multiply-adds than differentiating the
 * phases (no zero taps) and far less memory: TF.js keeps the gradient of every
 * intermediate tensor until the backward pass ends, so the phase outputs, concats and
 * transposes would each hold an output-sized gradient.
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
    return tf.conv2dTranspose(x, filter, [...outputShape], s, tfPad(padding) as 'same' | 'valid' | number);
  }
  const [n, h, w] = x.shape;
  const [kh, kw] = filter.shape;
  if (outputShape[0] === n && outputShape[1] === h * kh && outputShape[2] === w * kw && isPatchConv(kh, kw, s, padding, outputShape[1], outputShape[2])) {
    return patchConv2dTranspose(x, filter);
  }
  const pad = tfPad(padding);
  // The conv this transposes must map outputShape back to x's size (tf.conv2dTranspose's
  // own contract); otherwise differentiate the phases themselves.
  const back = tf.backend_util.computeConv2DInfo([...outputShape], [kh, kw, outputShape[3], x.shape[3]], s, 1, pad);
  if (back.outHeight !== h || back.outWidth !== w) return conv2dTransposeByPhases(x, filter, outputShape, s, padding);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, f] = args as [tf.Tensor4D, tf.Tensor4D];
    (args[2] as tf.GradSaveFunc)([input, f]);
    return {
      value: conv2dTransposeByPhases(input, f, outputShape, s, padding),
      // (In a tidy: TF.js runs custom gradients outside one.)
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, fs] = saved as [tf.Tensor4D, tf.Tensor4D];
          return [tf.conv2d(dy as tf.Tensor4D, fs, s, pad), conv2dFilterGradient(dy as tf.Tensor4D, xs, fs.shape, s, padding)];
        }),
    };
  });
  return op(x, filter) as tf.Tensor4D;
}

/** A {@link ConvPadding} as `tf.conv2d` takes it (explicit pairs as a mutable array). */
function tfPad(padding: ConvPadding): 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]] {
  if (typeof padding !== 'object') return padding;
  return padding.map((p) => [p[0], p[1]]) as [[number, number], [number, number], [number, number], [number, number]];
}

/**
 * How {@link conv2dTransposeByPhases} computes the phases: `separate` stride-1 convs (one
 * per phase, exactly the transposed conv's multiply-adds), one `combined` conv over the
 * union window (more multiply-adds, one call), that combined conv by `winograd`
 * F(4x4, 3x3) when the union window is 3x3 (5x5 stride 2: 2.25 multiply-adds per output
 * and channel pair instead of 6.25; see `winograd.ts`), or `auto`: Winograd where
 * {@link winogradPays} (no gradient being recorded, wide channels), else the cheaper of
 * the other two by a cost model of XNNPACK (taps x output channels rounded up to blocks
 * of 8).
 */
export type PhaseStrategy = 'auto' | 'separate' | 'combined' | 'winograd';

/**
 * The phase decomposition of {@link conv2dTranspose}, on any backend.
 * @param strategy - See {@link PhaseStrategy}; default `auto`.
 */
export function conv2dTransposeByPhases(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  outputShape: readonly [number, number, number, number],
  strides: readonly [number, number],
  padding: ConvPadding,
  strategy: PhaseStrategy = 'auto',
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, cin] = x.shape;
    const [kh, kw, cout] = filter.shape;
    const [, outH, outW] = outputShape;
    const [sh, sw] = strides;
    // Padding of the forward conv (outputShape -> x) that this transposes.
    const top = padBefore(padding, 0, outH, h, sh, kh);
    const left = padBefore(padding, 1, outW, w, sw, kw);
    // Output phase (r', c') holds out[s q + r', s p + c'] for q < qh, p < qw: indexing the
    // phases from output row 0 (not from the padded row -top) leaves nothing to crop when
    // s divides the output size, as it does for "same" padding.
    const qh = Math.ceil(outH / sh);
    const qw = Math.ceil(outW / sw);
    const rowsOf = axisPhases(kh, sh, top, h, qh);
    const colsOf = axisPhases(kw, sw, left, w, qw);
    // [kh, kw, cout, cin] -> [kh kw, cin cout]: one row per tap.
    const taps = tf.reshape(tf.transpose(filter, [0, 1, 3, 2]), [kh * kw, cin * cout]) as tf.Tensor2D;
    const winH = unionWindow(rowsOf);
    const winW = unionWindow(colsOf);
    const square3 = winH.size === 3 && winW.size === 3 && winH.lo <= 0 && winW.lo <= 0 && qh + winH.hi >= h && qw + winW.hi >= w;
    const winograd = square3 && (strategy === 'winograd' || (strategy === 'auto' && winogradPays(cin, sh * sw * cout, qh, qw)));
    const combined =
      winograd ||
      strategy === 'combined' ||
      strategy === 'winograd' ||
      (strategy === 'auto' && combinedCost(winH, winW, sh * sw * cout) < phasesCost(rowsOf, colsOf, cout));
    const full = combined
      ? combinedPhases(x, taps, rowsOf, colsOf, winH, winW, [qh, qw], kw, cout, winograd)
      : separatePhases(x, taps, rowsOf, colsOf, [qh, qw], kw, cout);
    // wasm's Slice copies row by row: skip it when there is nothing to crop.
    return qh * sh === outH && qw * sw === outW ? full : (tf.slice(full, [0, 0, 0, 0], [n, outH, outW, cout]) as tf.Tensor4D);
  });
}

/** XNNPACK's f32 GEMM computes output channels in blocks of 8. */
const channelBlocks = (c: number): number => Math.ceil(c / 8) * 8;

/** Relative cost of s x s separate phase convolutions (taps x padded output channels). */
function phasesCost(rowsOf: readonly AxisPhase[], colsOf: readonly AxisPhase[], cout: number): number {
  let taps = 0;
  for (const ph of rowsOf) for (const pw of colsOf) taps += ph.taps.length * pw.taps.length;
  return taps * channelBlocks(cout);
}

/** Relative cost of one convolution over the union window with every phase's channels. */
function combinedCost(winH: Window, winW: Window, channels: number): number {
  return winH.size * winW.size * channelBlocks(channels);
}

/**
 * s x s stride-1 convolutions, one per output phase, each with its own taps and native
 * padding, interleaved by concats and transposes. Returns [N, qh sh, qw sw, cout].
 */
function separatePhases(
  x: tf.Tensor4D,
  taps: tf.Tensor2D,
  rowsOf: readonly AxisPhase[],
  colsOf: readonly AxisPhase[],
  q: readonly [number, number],
  kw: number,
  cout: number,
): tf.Tensor4D {
  const [n, , , cin] = x.shape;
  const [qh, qw] = q;
  const sh = rowsOf.length;
  const sw = colsOf.length;
  // The taps of every phase, reversed and in phase order: a permutation of the rows
  // (each tap belongs to exactly one phase).
  const order: number[] = [];
  for (const ph of rowsOf) for (const pw of colsOf) for (const th of ph.taps) for (const tw of pw.taps) order.push(th * kw + tw);
  const picked = order.length === 0 ? undefined : pickTaps(taps, order);
  let offset = 0;
  const rows: tf.Tensor[] = [];
  for (const ph of rowsOf) {
    const phases: tf.Tensor[] = [];
    for (const pw of colsOf) {
      const count = ph.taps.length * pw.taps.length;
      if (count === 0 || picked === undefined) {
        phases.push(tf.zeros([n, qh, qw, cout]));
        continue;
      }
      const sub = tf.reshape(tf.slice(picked, [offset, 0], [count, cin * cout]), [ph.taps.length, pw.taps.length, cin, cout]) as tf.Tensor4D;
      offset += count;
      phases.push(phaseConv(x, sub, ph, pw, q));
    }
    // Interleave with concats along the leading axis and rank-3 transposes: columns
    // [sw, N qh qw, C] -> [N qh qw, sw, C] = [N qh, qw sw C], then rows. That keeps the
    // backward pass to contiguous slices and transposes; `tf.stack` on an inner axis
    // was measured to cost 2/3 of a training step on wasm (its gradient, Unpack,
    // slices element by element), an inner-axis concat's gradient slices row by row,
    // and a single rank-5 transpose takes wasm's slow generic path.
    const cols = phases.length === 1 ? phases[0]! : tf.transpose(tf.reshape(tf.concat(phases, 0), [sw, n * qh * qw, cout]), [1, 0, 2]);
    rows.push(tf.reshape(cols, [n * qh, qw * sw * cout]));
  }
  // [sh, N qh, W C] -> [N qh, sh, W C] = [N, qh sh, qw sw, C].
  const interleaved = rows.length === 1 ? rows[0]! : tf.transpose(tf.reshape(tf.concat(rows, 0), [sh, n * qh, qw * sw * cout]), [1, 0, 2]);
  return tf.reshape(interleaved, [n, qh * sh, qw * sw, cout]) as tf.Tensor4D;
}

/**
 * All s x s phases as ONE stride-1 convolution over the union of their input windows,
 * with s² cout output channels ordered (phase row, phase column, channel) and zero taps
 * where a phase's window is shorter, followed by a depth-to-space rearrangement (reshape
 * and one rank-4 transpose). More multiply-adds than {@link separatePhases} (5x5 stride
 * 2: 36 taps instead of 25) but one XNNPACK call with wide outputs: cheaper when cout is
 * small (XNNPACK pads output channels to blocks of 8, so 3 channels cost 8 per phase).
 * With `winograd` (a 3x3 window, non-negative paddings) the conv is {@link winogradConv3x3}.
 * Returns [N, qh sh, qw sw, cout].
 */
function combinedPhases(
  x: tf.Tensor4D,
  taps: tf.Tensor2D,
  rowsOf: readonly AxisPhase[],
  colsOf: readonly AxisPhase[],
  winH: Window,
  winW: Window,
  q: readonly [number, number],
  kw: number,
  cout: number,
  winograd: boolean,
): tf.Tensor4D {
  const [n, , , cin] = x.shape;
  const [qh, qw] = q;
  const sh = rowsOf.length;
  const sw = colsOf.length;
  const zero = taps.shape[0]; // index of an all-zero row
  // Rows (window row u, window column v, phase row r, phase column c) of the filter.
  const order: number[] = [];
  for (let u = 0; u < winH.size; u++) {
    for (let v = 0; v < winW.size; v++) {
      for (const ph of rowsOf) {
        const i = u + winH.lo + ph.before; // index into the phase's own window
        for (const pw of colsOf) {
          const j = v + winW.lo + pw.before;
          const inside = i >= 0 && i < ph.taps.length && j >= 0 && j < pw.taps.length;
          order.push(inside ? ph.taps[i]! * kw + pw.taps[j]! : zero);
        }
      }
    }
  }
  // [K'h K'w s², cin cout] -> [K'h K'w, cin, s², cout] -> [K'h, K'w, cin, s² cout].
  const picked = tf.reshape(pickTaps(taps, order), [winH.size * winW.size, sh * sw, cin, cout]);
  const f = tf.reshape(tf.transpose(picked, [0, 2, 1, 3]), [winH.size, winW.size, cin, sh * sw * cout]) as tf.Tensor4D;
  const rowPad = { before: -winH.lo, after: qh + winH.hi - x.shape[1] };
  const colPad = { before: -winW.lo, after: qw + winW.hi - x.shape[2] };
  // (Winograd only for non-negative paddings: the caller checks.)
  const y = winograd ? winogradConv3x3(x, f, [rowPad.before, rowPad.after, colPad.before, colPad.after]) : windowConv(x, f, rowPad, colPad, q);
  // [N qh, qw, sh, sw C] -> [N qh, sh, qw, sw C] = [N, qh sh, qw sw, C].
  if (sh === 1) return tf.reshape(y, [n, qh, qw * sw, cout]) as tf.Tensor4D;
  const blocks = tf.reshape(y, [n * qh, qw, sh, sw * cout]);
  return tf.reshape(tf.transpose(blocks, [0, 2, 1, 3]), [n, qh * sh, qw * sw, cout]) as tf.Tensor4D;
}

/** One output phase along one axis: its filter taps and the input window. */
interface AxisPhase {
  /** Filter taps in correlation order (reversed): out[q] = Σ_u in[q + u - before] w[taps[u]]. */
  readonly taps: number[];
  /** Zeros before the input (negative: input elements to drop). */
  readonly before: number;
  /** Zeros after the input (negative: input elements to drop). */
  readonly after: number;
}

/**
 * The s phases of a transposed conv along one axis. Output o = s q + r receives
 * x[i] w[t] for s i + t = o + pad, i.e. t = ρ + s m and i = q + d - m with
 * c = r + pad, ρ = c mod s, d = floor(c / s), m = 0 .. M - 1, M = ceil((k - ρ) / s): a
 * stride-1 correlation of x over rows q + d - M + 1 .. q + d with the taps reversed,
 * padded so that it yields exactly `q` outputs.
 */
function axisPhases(k: number, s: number, pad: number, inSize: number, q: number): AxisPhase[] {
  return Array.from({ length: s }, (_, r) => {
    const c = r + pad;
    const rho = c % s;
    const d = Math.floor(c / s);
    const m = Math.max(0, Math.ceil((k - rho) / s));
    const taps = Array.from({ length: m }, (_, u) => rho + s * (m - 1 - u));
    return { taps, before: m - 1 - d, after: q + d - inSize };
  });
}

/** The input window of a phase along one axis, relative to its output index q. */
interface Window {
  /** First input offset read (q + lo). */
  readonly lo: number;
  /** Last input offset read (q + hi). */
  readonly hi: number;
  /** hi - lo + 1. */
  readonly size: number;
}

/** The smallest window holding every phase's window (phase p reads q - before .. q - before + taps - 1). */
function unionWindow(phases: readonly AxisPhase[]): Window {
  const used = phases.filter((p) => p.taps.length > 0);
  if (used.length === 0) return { lo: 0, hi: 0, size: 1 };
  const lo = Math.min(...used.map((p) => -p.before));
  const hi = Math.max(...used.map((p) => -p.before + p.taps.length - 1));
  return { lo, hi, size: hi - lo + 1 };
}

/** A stride-1 correlation of x with the phase's taps `sub` [mh, mw, cin, cout], padded natively by the conv. */
function phaseConv(x: tf.Tensor4D, sub: tf.Tensor4D, ph: AxisPhase, pw: AxisPhase, q: readonly [number, number]): tf.Tensor4D {
  return windowConv(x, sub, ph, pw, q);
}

/**
 * A stride-1 valid correlation of x with `f`, after `before` / `after` zeros (negative:
 * input rows or columns dropped) so that it yields exactly q[0] x q[1] outputs. The zeros
 * are the conv's own (explicit) padding, not a separate pad.
 */
function windowConv(
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  rows: { readonly before: number; readonly after: number },
  cols: { readonly before: number; readonly after: number },
  q: readonly [number, number],
): tf.Tensor4D {
  const [n, h, w, cin] = x.shape;
  const cropTop = Math.max(0, -rows.before);
  const cropBottom = Math.max(0, -rows.after);
  const cropLeft = Math.max(0, -cols.before);
  const cropRight = Math.max(0, -cols.after);
  // A window that ends before the input starts (or starts after it ends) reads only zeros.
  if (h - cropTop - cropBottom <= 0 || w - cropLeft - cropRight <= 0) return tf.zeros([n, q[0], q[1], f.shape[3]]) as tf.Tensor4D;
  let input = x;
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    input = tf.slice(input, [0, cropTop, cropLeft, 0], [n, h - cropTop - cropBottom, w - cropLeft - cropRight, cin]);
  }
  return tf.conv2d(input, f, 1, [
    [0, 0],
    [Math.max(0, rows.before), Math.max(0, rows.after)],
    [Math.max(0, cols.before), Math.max(0, cols.after)],
    [0, 0],
  ]);
}

/**
 * Rows `order[i]` of `x` [rows, cols], where index `rows` stands for a row of zeros and
 * every other row appears at most once, with its gradient: the rows of dy put back
 * where they came from (zeros for rows not picked). Built from contiguous row slices and
 * one concat (each a memory copy on wasm): `tf.gather`'s wasm kernel copies element by
 * element, and its gradient needs UnsortedSegmentSum, which wasm lacks.
 */
function pickTaps(x: tf.Tensor2D, order: readonly number[]): tf.Tensor2D {
  const [rows, cols] = x.shape;
  if (order.length === rows && order.every((r, i) => r === i)) return x;
  const inverse = new Array<number>(rows).fill(order.length);
  order.forEach((r, i) => {
    if (r < rows) inverse[r] = i;
  });
  const withZeros = (t: tf.Tensor2D, needed: boolean): tf.Tensor2D => (needed ? (tf.concat([t, tf.zeros([1, cols])], 0) as tf.Tensor2D) : t);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: pickRows(withZeros(args[0] as tf.Tensor2D, order.includes(rows)), order),
    gradFunc: (dy: tf.Tensor) => tf.tidy(() => pickRows(withZeros(dy as tf.Tensor2D, inverse.includes(order.length)), inverse)),
  }));
  return f(x) as tf.Tensor2D;
}

/** Rows `order[i]` of `x` by slices of runs of consecutive rows and one concat. */
function pickRows(x: tf.Tensor2D, order: readonly number[]): tf.Tensor2D {
  const cols = x.shape[1];
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < order.length;) {
    let j = i + 1;
    while (j < order.length && order[j] === order[j - 1]! + 1) j++;
    parts.push(tf.slice(x, [order[i]!, 0], [j - i, cols]));
    i = j;
  }
  return parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor2D);
}
