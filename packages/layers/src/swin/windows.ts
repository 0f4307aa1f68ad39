/**
 * Window geometry of the Swin transformer (Liu et al. 2021, "Swin Transformer:
 * hierarchical vision transformer using shifted windows"): splitting a feature map into
 * non-overlapping windows and back, the cyclic shift, and padding to whole windows.
 * Reshapes, transposes, slices and pads only, so every function has TF.js gradients on
 * every backend (TF.js has no `roll`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { checkInteger, checkTensor, describe } from '../internal/checks.js';

/** `n` rounded up to a multiple of `m`. */
export function roundUpToMultiple(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

function checkRank4(owner: string, x: unknown): asserts x is tf.Tensor4D {
  checkTensor(owner, 'x', x);
  if (x.rank !== 4) throw new ShapeError(`${owner}: expected an NHWC tensor [batch, height, width, channels], found ${describe(x)}`);
}

/**
 * Zero-pads `x` [N, H, W, C] at the bottom and right to [N, Hp, Wp, C], Hp and Wp the next
 * multiples of `multiple` (returned unchanged, not copied, when nothing is missing).
 * @param x - [N, H, W, C].
 * @param multiple - The window size.
 * @throws ShapeError for another rank; InvalidArgumentError for a bad multiple.
 */
export function padToMultiple(x: tf.Tensor, multiple: number): tf.Tensor4D {
  checkRank4('padToMultiple', x);
  checkInteger('padToMultiple', 'multiple', multiple);
  const [, h, w] = x.shape;
  const ph = roundUpToMultiple(h, multiple) - h;
  const pw = roundUpToMultiple(w, multiple) - w;
  if (ph === 0 && pw === 0) return x;
  return tf.pad(x, [
    [0, 0],
    [0, ph],
    [0, pw],
    [0, 0],
  ]);
}

/**
 * Cyclic shift of the rows and columns of `x` [N, H, W, C], as `torch.roll` / `tf.roll`
 * over axes (1, 2): out[n, (i + dy) mod H, (j + dx) mod W, c] = x[n, i, j, c]. Swin's
 * SW-MSA shifts by (-s, -s) before partitioning and by (s, s) after.
 * @param x - [N, H, W, C].
 * @param dy - Row shift (any integer; negative moves rows up).
 * @param dx - Column shift.
 * @throws ShapeError for another rank; InvalidArgumentError for non-integer shifts.
 */
export function roll2d(x: tf.Tensor, dy: number, dx: number): tf.Tensor4D {
  checkRank4('roll2d', x);
  if (!Number.isInteger(dy) || !Number.isInteger(dx)) throw new InvalidArgumentError(`roll2d: shifts must be integers, found ${dy}, ${dx}`);
  const rollAxis = (t: tf.Tensor4D, shift: number, axis: 1 | 2): tf.Tensor4D => {
    const n = t.shape[axis];
    const s = ((shift % n) + n) % n;
    if (s === 0) return t;
    // The last s entries move to the front.
    const [head, tail] = tf.split(t, [n - s, s], axis) as [tf.Tensor4D, tf.Tensor4D];
    return tf.concat([tail, head], axis);
  };
  return tf.tidy(() => rollAxis(rollAxis(x, dy, 1), dx, 2));
}

/**
 * Splits `x` [N, H, W, C] (H and W multiples of `window`) into windows of window x window
 * tokens: [N · (H / window) · (W / window), window², C], windows in row-major order per
 * image, tokens row-major inside a window (Swin's `window_partition` followed by the
 * reshape to token sequences).
 * @param x - [N, H, W, C].
 * @param window - The window size.
 * @throws ShapeError when H or W is not a multiple of `window`.
 */
export function windowPartition(x: tf.Tensor, window: number): tf.Tensor3D {
  checkRank4('windowPartition', x);
  checkInteger('windowPartition', 'window', window);
  const [n, h, w, c] = x.shape;
  if (h % window !== 0 || w % window !== 0) {
    throw new ShapeError(`windowPartition: height and width must be multiples of the window ${window}, found ${describe(x)}; pad first (padToMultiple)`);
  }
  return tf.tidy(() => {
    // [N, H/w, w, W/w, w, C] with its two middle axes swapped, as a rank-4 transpose (fast on wasm).
    const grid = tf.reshape(x, [n * (h / window), window, w / window, window * c]);
    return tf.reshape(tf.transpose(grid, [0, 2, 1, 3]), [-1, window * window, c]);
  });
}

/**
 * The inverse of {@link windowPartition}: windows [N · (H / window) · (W / window),
 * window², C] back to the map [N, H, W, C] (Swin's `window_reverse`).
 * @param windows - The windows.
 * @param window - The window size.
 * @param height - H, a multiple of `window`.
 * @param width - W, a multiple of `window`.
 * @throws ShapeError when the windows do not tile an H x W map.
 */
export function windowReverse(windows: tf.Tensor, window: number, height: number, width: number): tf.Tensor4D {
  checkTensor('windowReverse', 'windows', windows);
  checkInteger('windowReverse', 'window', window);
  const rows = height / window;
  const cols = width / window;
  const [b = 0, tokens = 0, c = 0] = windows.shape;
  if (windows.rank !== 3 || !Number.isInteger(rows) || !Number.isInteger(cols) || tokens !== window * window || b % (rows * cols) !== 0) {
    throw new ShapeError(`windowReverse: windows ${describe(windows)} do not tile a ${height}x${width} map with ${window}x${window} windows`);
  }
  const n = b / (rows * cols);
  return tf.tidy(() => {
    const grid = tf.reshape(windows, [n * rows, cols, window, window * c]);
    return tf.reshape(tf.transpose(grid, [0, 2, 1, 3]), [n, height, width, c]);
  });
}
