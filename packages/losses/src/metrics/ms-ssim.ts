/**
 * Multi-scale structural similarity, MS-SSIM (Wang, Simoncelli and Bovik, "Multiscale
 * structural similarity for image quality assessment", Asilomar 2003).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { checkImagePair, checkPositive, describeShape } from '../internal/checks.js';
import type { Reduced, Reduction, ReductionOptions } from '../reduction.js';
import { checkReduction, reduce } from '../reduction.js';
import { gaussianWindow1d } from './gaussian-window.js';
import { ssimTerms } from './ssim-terms.js';

/**
 * The per-scale exponents of Wang et al. (2003), finest scale first:
 * `[0.0448, 0.2856, 0.3001, 0.2363, 0.1333]`.
 */
export const MS_SSIM_WEIGHTS: readonly number[] = Object.freeze([0.0448, 0.2856, 0.3001, 0.2363, 0.1333]);

/** Options of {@link msSsim} and {@link msSsimLoss}. */
export interface MsSsimOptions<R extends Reduction> extends ReductionOptions<R> {
  /** Width of the range of the pixel values, `L` in `c = (k L)^2`. Default `1` (images in `[0, 1]`). */
  readonly dataRange?: number;
  /** Side of the Gaussian window in pixels. Default `11`. */
  readonly filterSize?: number;
  /** Standard deviation of the Gaussian window in pixels. Default `1.5`. */
  readonly filterSigma?: number;
  /** Luminance stabilizer constant, `c1 = (k1 L)^2`. Default `0.01`. */
  readonly k1?: number;
  /** Contrast stabilizer constant, `c2 = (k2 L)^2`. Default `0.03`. */
  readonly k2?: number;
  /**
   * Exponent of each scale, finest first; their number is the number of scales.
   * Default {@link MS_SSIM_WEIGHTS} (5 scales).
   */
  readonly weights?: readonly number[];
}

interface Resolved {
  readonly dataRange: number;
  readonly filterSize: number;
  readonly filterSigma: number;
  readonly k1: number;
  readonly k2: number;
  readonly weights: readonly number[];
}

function resolve(fn: string, options: MsSsimOptions<Reduction>): Resolved {
  const resolved = {
    dataRange: options.dataRange ?? 1,
    filterSize: options.filterSize ?? 11,
    filterSigma: options.filterSigma ?? 1.5,
    k1: options.k1 ?? 0.01,
    k2: options.k2 ?? 0.03,
    weights: options.weights ?? MS_SSIM_WEIGHTS,
  };
  checkPositive(fn, 'dataRange', resolved.dataRange);
  if (!Number.isSafeInteger(resolved.filterSize) || resolved.filterSize < 1) {
    throw new InvalidArgumentError(`${fn}: filterSize must be a positive integer, found ${resolved.filterSize}`);
  }
  checkPositive(fn, 'filterSigma', resolved.filterSigma);
  // Zero constants would give 0 / 0 on flat regions.
  checkPositive(fn, 'k1', resolved.k1);
  checkPositive(fn, 'k2', resolved.k2);
  const w: unknown = resolved.weights;
  if (!Array.isArray(w) || w.length === 0 || w.length > 16 || !w.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
    throw new InvalidArgumentError(`${fn}: weights must be 1 to 16 finite numbers >= 0 (one per scale), found ${JSON.stringify(w)}`);
  }
  return resolved;
}

/**
 * The smallest height and width MS-SSIM accepts: `(filterSize - 1) * 2^(scales - 1) + 1`,
 * so that the coarsest scale (each halving rounds up) still holds one whole window.
 * 161 pixels for the defaults (11-pixel window, 5 scales).
 *
 * @param options - `filterSize` and `weights` as for {@link msSsim}; other fields are ignored.
 * @throws InvalidArgumentError for invalid options.
 */
export function msSsimMinimumSize(options: Pick<MsSsimOptions<Reduction>, 'filterSize' | 'weights'> = {}): number {
  const { filterSize, weights } = resolve('msSsimMinimumSize', options);
  return (filterSize - 1) * 2 ** (weights.length - 1) + 1;
}

/** `v^w` for `v > 0`, else 0 (`relu(v)^w`); gradients stay finite (zero) where `v <= 0`. */
function positivePower(v: tf.Tensor1D, w: number): tf.Tensor1D {
  const positive = tf.step(v); // 1 where v > 0, else 0; zero gradient
  // 1 where v <= 0 keeps pow's gradient w v^(w-1) (infinite at 0) finite there.
  const safe = tf.add(tf.relu(v), tf.sub(1, positive));
  return tf.mul(tf.pow(safe, w), positive) as tf.Tensor1D;
}

/** Halves height and width by 2x2 averaging, first repeating the last row / column of odd sizes. */
function downsample(planes: tf.Tensor4D): tf.Tensor4D {
  let p = planes;
  const [, h, w] = p.shape;
  // TensorFlow pads odd sizes with SYMMETRIC padding; MATLAB's reference filters with
  // 'symmetric' boundaries: both repeat the last row / column.
  if (h % 2 === 1) p = tf.concat([p, tf.slice(p, [0, h - 1, 0, 0], [-1, 1, -1, -1])], 1);
  if (w % 2 === 1) p = tf.concat([p, tf.slice(p, [0, 0, w - 1, 0], [-1, -1, 1, -1])], 2);
  return tf.avgPool(p, 2, 2, 'valid');
}

/** `[N, H, W, C]` -> `[N * C, H, W, 1]`: each channel becomes its own single-channel image. */
function toPlanes(images: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  if (c === 1) return images;
  return tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [n * c, h, w, 1]);
}

/**
 * Multi-scale structural similarity (MS-SSIM) of two image batches, per image, as in
 * Wang et al. (2003) and TensorFlow's `tf.image.ssim_multiscale`:
 *
 * - 5 scales (by default); between scales, 2x2 average pooling (odd sizes first repeat
 *   their last row / column);
 * - at each scale, local statistics under an 11x11 Gaussian window (sigma 1.5) at the
 *   positions where it fits inside the image ("VALID" filtering);
 * - contrast-structure `cs_j` at every scale, luminance only at the coarsest scale `M`:
 *   `MS-SSIM = prod_{j<M} relu(cs_j)^w_j * relu(ssim_M)^w_M`, computed per channel and
 *   averaged over channels;
 * - `c1 = (0.01 L)^2`, `c2 = (0.03 L)^2` with `L = dataRange`.
 *
 * 1 for identical images, at most 1, and symmetric in `x` and `y`. Differentiable; use
 * {@link msSsimLoss} as a training loss.
 *
 * @typeParam R - The reduction; `'none'` unless given.
 * @param x - Images, NHWC float32 `[batch, height, width, channels]`, values in
 *   `[0, dataRange]`; height and width at least {@link msSsimMinimumSize} (161 with the
 *   defaults).
 * @param y - Images of the same shape.
 * @param options - Window, constants, scale weights, `dataRange` (default 1) and
 *   `reduction` (default `'none'`).
 * @returns MS-SSIM (unitless, in `[0, 1]`) `[batch]`, or the batch mean as a scalar.
 * @throws ShapeError for images smaller than the minimum size (the message gives it), a
 *   rank other than 4 or different shapes; InvalidArgumentError for invalid options or a
 *   non-float32 tensor.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { msSsim, msSsimMinimumSize } from '@ncomp/losses';
 *
 * await setBackend('auto');
 * const size = msSsimMinimumSize(); // 161: the coarsest of 5 scales still holds an 11x11 window
 * const x = tf.randomUniform([1, size, size, 3]) as tf.Tensor4D;
 * const noisy = tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.1)), 0, 1)) as tf.Tensor4D;
 * const identical = msSsim(x, x); // [1]: one score per image
 * const degraded = msSsim(x, noisy);
 * const [a] = await identical.data();
 * const [b] = await degraded.data();
 * assert.ok(Math.abs(a! - 1) < 1e-5 && b! < a!);
 * tf.dispose([x, noisy, identical, degraded]);
 * ```
 */
export function msSsim<R extends Reduction = 'none'>(x: tf.Tensor4D, y: tf.Tensor4D, options: MsSsimOptions<R> = {}): Reduced<R> {
  return msSsimImpl('msSsim', x, y, options, 'none', false);
}

/**
 * MS-SSIM as a loss to minimize: `1 - msSsim(x, y)`, averaged over the batch by default.
 * See {@link msSsim} for the definition, options and errors.
 *
 * @typeParam R - The reduction; `'mean'` unless given.
 * @param x - Images, NHWC float32.
 * @param y - Images of the same shape.
 * @param options - As for {@link msSsim}, but `reduction` defaults to `'mean'`.
 * @returns `1 - MS-SSIM`, a scalar (or `[batch]` with `reduction: 'none'`), in `[0, 1]`.
 */
export function msSsimLoss<R extends Reduction = 'mean'>(x: tf.Tensor4D, y: tf.Tensor4D, options: MsSsimOptions<R> = {}): Reduced<R> {
  return msSsimImpl('msSsimLoss', x, y, options, 'mean', true);
}

function msSsimImpl<R extends Reduction>(
  fn: string,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  options: MsSsimOptions<R>,
  defaultReduction: Reduction,
  asLoss: boolean,
): Reduced<R> {
  checkImagePair(fn, x, y);
  const reduction = options.reduction ?? defaultReduction;
  checkReduction(fn, reduction);
  const { dataRange, filterSize, filterSigma, k1, k2, weights } = resolve(fn, options);
  const [n, h, w, c] = x.shape;
  const minimum = (filterSize - 1) * 2 ** (weights.length - 1) + 1;
  if (h < minimum || w < minimum) {
    throw new ShapeError(
      `${fn}: images must be at least ${minimum}x${minimum} pixels for ${weights.length} scales with a ` +
        `${filterSize}x${filterSize} window; found ${h}x${w} (shape ${describeShape(x.shape)})`,
    );
  }
  const window = gaussianWindow1d(filterSize, filterSigma);
  const c1 = (k1 * dataRange) ** 2;
  const c2 = (k2 * dataRange) ** 2;
  return tf.tidy(() => {
    let a = toPlanes(x);
    let b = toPlanes(y);
    let value: tf.Tensor1D | undefined;
    for (let s = 0; s < weights.length; s++) {
      if (s > 0) {
        a = downsample(a);
        b = downsample(b);
      }
      const last = s === weights.length - 1;
      const weight = weights[s]!;
      // A zero exponent contributes a factor 1 (TF computes 0^0 = 1 too): skip the scale's terms.
      if (weight === 0) continue;
      const terms = ssimTerms(a, b, window, c1, c2, last);
      const factor = positivePower(last ? terms.ssim : terms.contrastStructure, weight);
      value = value === undefined ? factor : (tf.mul(value, factor) as tf.Tensor1D);
    }
    const perPlane = value ?? tf.ones([n * c]);
    const perImage = tf.mean(tf.reshape(perPlane, [n, c]), 1) as tf.Tensor1D;
    return reduce(asLoss ? tf.sub(1, perImage) : perImage, reduction as R);
  });
}
