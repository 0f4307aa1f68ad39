/**
 * The objectives of the OASIS discriminator (Schönfeld et al. 2021, "You only need
 * adversarial supervision for semantic image synthesis"; boschresearch/OASIS
 * `models/losses.py`, `models/models.py`), as EGIC trains its OASIS-C discriminator
 * (Körber et al. 2024): the class-balanced (N + 1)-class cross-entropy and LabelMix.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { checkFloatTensor, describeShape } from '../internal/checks.js';

/** Options of {@link oasisDiscriminatorLoss} and {@link oasisGeneratorLoss}. */
export interface OasisLossOptions {
  /**
   * Whether the label-class terms are weighted per pixel by {@link oasisClassWeights}
   * (OASIS's class balancing). Default `true`; `false` gives the plain pixel mean.
   */
  readonly classBalancing?: boolean;
  /**
   * Whether the caller has checked that every label lies in `[0, numClasses)` (as the GAN
   * trainers do, reading the labels' range asynchronously). Default `false`: the range is
   * checked here with a synchronous read, which the webgpu backend cannot do. Dtype and
   * shape are checked either way; out-of-range labels under `true` give wrong losses, not
   * an error.
   */
  readonly labelsChecked?: boolean;
}

/** Options of {@link labelMix}. */
export interface LabelMixOptions {
  /** Seed of the per-class coin flips, for reproducible masks. Default: unseeded. */
  readonly seed?: number;
  /** As {@link OasisLossOptions.labelsChecked}: skip the synchronous range check of the labels. */
  readonly labelsChecked?: boolean;
}

/** What {@link labelMix} returns; the caller owns (and disposes) both tensors. */
export interface LabelMixResult {
  /** `mask * real + (1 - mask) * fake`, the shape of the images. */
  readonly mixed: tf.Tensor4D;
  /** The binary mask [N, H, W, 1] float32: 1 where the real image was taken. */
  readonly mask: tf.Tensor4D;
}

/**
 * Checks a label map: a live int32 tensor [N, H, W] with values in [0, numClasses).
 * Reads the labels' minimum and maximum back (a synchronous data read) unless `rangeChecked`.
 */
function checkLabels(
  fn: string,
  labels: unknown,
  numClasses: number,
  shape: readonly number[] | undefined,
  rangeChecked = false,
): asserts labels is tf.Tensor3D {
  if (!(labels instanceof tf.Tensor)) {
    throw new InvalidArgumentError(`${fn}: labels must be a tf.Tensor (int32 [batch, height, width]), found ${typeof labels}`);
  }
  if (labels.isDisposed) throw new InvalidArgumentError(`${fn}: labels has been disposed`);
  if (labels.dtype !== 'int32') throw new InvalidArgumentError(`${fn}: labels must be int32, found ${labels.dtype}`);
  if (labels.rank !== 3 || labels.size === 0) {
    throw new ShapeError(`${fn}: labels must be a non-empty [batch, height, width] map, found ${describeShape(labels.shape)}`);
  }
  if (shape !== undefined && !tf.util.arraysEqual(labels.shape, shape.slice(0, 3))) {
    throw new ShapeError(
      `${fn}: labels must be [${shape.slice(0, 3).join(', ')}] to match the logits / images ${describeShape(shape)}, found ${describeShape(labels.shape)}`,
    );
  }
  if (rangeChecked) return;
  const [lo, hi] = tf
    .tidy(() => [tf.min(labels), tf.max(labels)])
    .map((t) => {
      const v = t.dataSync()[0]!;
      t.dispose();
      return v;
    }) as [number, number];
  if (lo < 0 || hi >= numClasses) {
    throw new InvalidArgumentError(`${fn}: labels must lie in [0, ${numClasses - 1}] (${numClasses} classes), found values in [${lo}, ${hi}]`);
  }
}

/** Checks logits [N, H, W, K] (K >= 2: at least one class and "fake"). */
function checkOasisLogits(fn: string, name: string, logits: unknown): asserts logits is tf.Tensor4D {
  checkFloatTensor(fn, name, logits);
  if (logits.rank !== 4 || logits.size === 0 || (logits.shape[3] ?? 0) < 2) {
    throw new ShapeError(`${fn}: ${name} must be [batch, height, width, numClasses + 1] with numClasses >= 1, found ${describeShape(logits.shape)}`);
  }
}

/**
 * One-hot float32 [N, H, W, depth], computed as float32 on every backend. TF.js 4.22 makes
 * this awkward: `tf.oneHot` is int32 (asked for float32, the wasm kernel ignores the dtype
 * and writes int32 bits), and on WebGPU a cast from int32 to float32 only relabels the
 * int32 buffer, which the transpose that a sum over leading axes runs then compiles to an
 * invalid shader (computing zeros). A multiplication by 1 writes a real float32 buffer (0
 * and 1 are exact).
 */
function oneHotFloat(labels: tf.Tensor3D, depth: number): tf.Tensor4D {
  return tf.mul(tf.cast(tf.oneHot(labels, depth), 'float32'), 1) as tf.Tensor4D;
}

/** Weight map of OASIS's class balancing; call inside a tidy. */
function classWeights(labels: tf.Tensor3D, numClasses: number): tf.Tensor3D {
  const oneHot = oneHotFloat(labels, numClasses);
  const occurrences = tf.sum(oneHot, [0, 1, 2]);
  const present = tf.greater(occurrences, 0);
  const numPresent = tf.sum(tf.cast(present, 'float32'));
  // coefficient_c = pixels / (classes present * pixels of class c); 0 for absent classes.
  const coefficients = tf.where(present, tf.div(tf.div(labels.size, numPresent), tf.maximum(occurrences, 1)), tf.zerosLike(occurrences));
  return tf.sum(tf.mul(oneHot, coefficients), 3) as tf.Tensor3D;
}

/** Per-pixel cross-entropy of `logits` against the label classes; call inside a tidy. */
function labelCrossEntropy(logits: tf.Tensor4D, labels: tf.Tensor3D): tf.Tensor3D {
  const target = oneHotFloat(labels, logits.shape[3]);
  return tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 3)) as tf.Tensor3D;
}

/** Mean over pixels of the (optionally class-balanced) label cross-entropy; call inside a tidy. */
function labelTerm(logits: tf.Tensor4D, labels: tf.Tensor3D, balance: boolean): tf.Scalar {
  const ce = labelCrossEntropy(logits, labels);
  return tf.mean(balance ? tf.mul(ce, classWeights(labels, logits.shape[3] - 1)) : ce) as tf.Scalar;
}

function checkBalancing(fn: string, options: OasisLossOptions): boolean {
  const b = options.classBalancing ?? true;
  if (typeof b !== 'boolean') throw new InvalidArgumentError(`${fn}: classBalancing must be a boolean, found ${String(b)}`);
  return b;
}

/**
 * OASIS's class-balancing weights (`get_class_balancing`): with `P` pixels in the batch,
 * `K` classes present and `n_c` pixels of class c (counted over the whole batch), every
 * pixel of class c weighs `P / (K n_c)`, so each present class contributes equally to a
 * pixel mean and the weights average to 1.
 *
 * @param labels - int32 [N, H, W] class indices in `[0, numClasses)`.
 * @param numClasses - Number of semantic classes.
 * @returns The weights [N, H, W] float32, a new tensor.
 * @throws InvalidArgumentError for non-int32 labels or values outside `[0, numClasses)`;
 *   ShapeError for another rank.
 */
export function oasisClassWeights(labels: tf.Tensor, numClasses: number): tf.Tensor3D {
  const fn = 'oasisClassWeights';
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new InvalidArgumentError(`${fn}: numClasses must be an integer >= 1, found ${String(numClasses)}`);
  }
  checkLabels(fn, labels, numClasses, undefined);
  return tf.tidy(() => classWeights(labels, numClasses));
}

/**
 * The OASIS discriminator loss (the (N + 1)-class adversarial loss of Schönfeld et al.
 * 2021): real pixels should be classified as their semantic label, generated pixels as
 * "fake" (class index N, the last logit, as in EGIC; OASIS itself puts "fake" first):
 *
 *     L_D = mean_pixels(w * CE(real, label)) + mean_pixels(CE(fake, N))
 *
 * with per-pixel softmax cross-entropy CE and the class-balancing weights w of
 * {@link oasisClassWeights} (all ones without `classBalancing`); the fake term is never
 * balanced. EGIC and OASIS add `10 * labelMixLoss(...)` (see {@link labelMix}).
 *
 * @param realLogits - Discriminator logits on real images [N, H, W, numClasses + 1].
 * @param fakeLogits - Logits on generated images, same shape.
 * @param labels - int32 [N, H, W] semantic labels of the real images, in `[0, numClasses)`.
 * @param options - `classBalancing` (default `true`), `labelsChecked` (default `false`).
 * @returns The loss in nats, a scalar.
 * @throws ShapeError for shapes that do not match; InvalidArgumentError for non-float32
 *   logits, non-int32 labels or labels outside `[0, numClasses)` (checked with a synchronous
 *   read unless `labelsChecked`).
 */
export function oasisDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor, labels: tf.Tensor, options: OasisLossOptions = {}): tf.Scalar {
  const fn = 'oasisDiscriminatorLoss';
  checkOasisLogits(fn, 'realLogits', realLogits);
  checkOasisLogits(fn, 'fakeLogits', fakeLogits);
  if (!tf.util.arraysEqual(realLogits.shape, fakeLogits.shape)) {
    throw new ShapeError(
      `${fn}: realLogits and fakeLogits must have the same shape, found ${describeShape(realLogits.shape)} and ${describeShape(fakeLogits.shape)}`,
    );
  }
  const numClasses = realLogits.shape[3] - 1;
  checkLabels(fn, labels, numClasses, realLogits.shape, options.labelsChecked === true);
  const balance = checkBalancing(fn, options);
  return tf.tidy(() => {
    const real = labelTerm(realLogits, labels, balance);
    const fakeLogProb = tf.slice(tf.logSoftmax(fakeLogits), [0, 0, 0, numClasses], [-1, -1, -1, 1]);
    return tf.sub(real, tf.mean(fakeLogProb)) as tf.Scalar;
  });
}

/**
 * The OASIS generator loss: generated pixels should be classified as the semantic label
 * of the real image they stand for (OASIS's `loss(output_D, label, for_real=True)`; EGIC's
 * `g_loss`, weighted 0.15 in its generator objective):
 *
 *     L_G = mean_pixels(w * CE(fake, label))
 *
 * with the class-balancing weights w of {@link oasisClassWeights} (all ones without
 * `classBalancing`).
 *
 * @param fakeLogits - Discriminator logits on generated images [N, H, W, numClasses + 1].
 * @param labels - int32 [N, H, W] semantic labels, in `[0, numClasses)`.
 * @param options - `classBalancing` (default `true`), `labelsChecked` (default `false`).
 * @returns The loss in nats, a scalar.
 * @throws ShapeError for shapes that do not match; InvalidArgumentError for non-float32
 *   logits, non-int32 labels or labels outside `[0, numClasses)` (checked with a synchronous
 *   read unless `labelsChecked`).
 */
export function oasisGeneratorLoss(fakeLogits: tf.Tensor, labels: tf.Tensor, options: OasisLossOptions = {}): tf.Scalar {
  const fn = 'oasisGeneratorLoss';
  checkOasisLogits(fn, 'fakeLogits', fakeLogits);
  checkLabels(fn, labels, fakeLogits.shape[3] - 1, fakeLogits.shape, options.labelsChecked === true);
  const balance = checkBalancing(fn, options);
  return tf.tidy(() => labelTerm(fakeLogits, labels, balance));
}

/**
 * LabelMix (Schönfeld et al. 2021, Sec. 3.2; OASIS `generate_labelmix`): a binary mask M
 * from the label map, one fair coin flip per class shared by all its pixels in the batch,
 * and the image `M * real + (1 - M) * fake`. The discriminator is then asked to be
 * consistent on it with {@link labelMixLoss}. (OASIS relabels the map class by class in
 * place, which can flip a class twice; here every class gets exactly one coin.)
 *
 * @param real - Real images [N, H, W, C] float32.
 * @param fake - Generated images, same shape (stop their gradient for the discriminator step).
 * @param labels - int32 [N, H, W] semantic labels, in `[0, numClasses)`.
 * @param numClasses - Number of semantic classes.
 * @param options - `seed` for reproducible masks; `labelsChecked` (see {@link OasisLossOptions.labelsChecked}).
 * @returns `{ mixed, mask }`, new tensors owned by the caller.
 * @throws ShapeError for shapes that do not match; InvalidArgumentError for non-float32
 *   images, non-int32 labels or labels outside `[0, numClasses)` (checked with a
 *   synchronous read unless `labelsChecked`).
 */
export function labelMix(real: tf.Tensor, fake: tf.Tensor, labels: tf.Tensor, numClasses: number, options: LabelMixOptions = {}): LabelMixResult {
  const fn = 'labelMix';
  checkFloatTensor(fn, 'real', real);
  checkFloatTensor(fn, 'fake', fake);
  if (real.rank !== 4 || real.size === 0 || !tf.util.arraysEqual(real.shape, fake.shape)) {
    throw new ShapeError(
      `${fn}: real and fake must be non-empty NHWC batches of the same shape, found ${describeShape(real.shape)} and ${describeShape(fake.shape)}`,
    );
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new InvalidArgumentError(`${fn}: numClasses must be an integer >= 1, found ${String(numClasses)}`);
  }
  checkLabels(fn, labels, numClasses, real.shape, options.labelsChecked === true);
  const seed = options.seed;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) {
    throw new InvalidArgumentError(`${fn}: seed must be a finite number, found ${String(seed)}`);
  }
  return tf.tidy(() => {
    const coins = tf.cast(tf.less(tf.randomUniform([numClasses], 0, 1, 'float32', seed), 0.5), 'float32');
    const mask = tf.sum(tf.mul(oneHotFloat(labels as tf.Tensor3D, numClasses), coins), 3, true) as tf.Tensor4D;
    const mixed = tf.add(tf.mul(mask, real), tf.mul(tf.sub(1, mask), fake)) as tf.Tensor4D;
    return { mixed, mask };
  });
}

/**
 * The LabelMix consistency loss (OASIS `loss_labelmix`): the discriminator's logits on the
 * mixed image should equal the same mix of its logits on the real and the generated image,
 *
 *     L_LM = mean((M * D(real) + (1 - M) * D(fake) - D(mixed))^2)
 *
 * averaged over every element (PyTorch / Keras `MSELoss`). Gradients flow into all three
 * logit tensors, as in OASIS. OASIS and EGIC weight it by 10 in the discriminator loss.
 *
 * @param mixedLogits - Discriminator logits on `labelMix(...).mixed` [N, H, W, K].
 * @param realLogits - Logits on the real images, same shape.
 * @param fakeLogits - Logits on the generated images, same shape.
 * @param mask - The mask [N, H, W, 1] from {@link labelMix}.
 * @returns The loss, a scalar.
 * @throws ShapeError for shapes that do not match; InvalidArgumentError for non-float32 tensors.
 */
export function labelMixLoss(mixedLogits: tf.Tensor, realLogits: tf.Tensor, fakeLogits: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const fn = 'labelMixLoss';
  checkOasisLogits(fn, 'mixedLogits', mixedLogits);
  checkFloatTensor(fn, 'realLogits', realLogits);
  checkFloatTensor(fn, 'fakeLogits', fakeLogits);
  checkFloatTensor(fn, 'mask', mask);
  if (!tf.util.arraysEqual(mixedLogits.shape, realLogits.shape) || !tf.util.arraysEqual(mixedLogits.shape, fakeLogits.shape)) {
    throw new ShapeError(
      `${fn}: mixedLogits, realLogits and fakeLogits must have the same shape, found ${describeShape(mixedLogits.shape)}, ${describeShape(
        realLogits.shape,
      )} and ${describeShape(fakeLogits.shape)}`,
    );
  }
  const [n, h, w] = mixedLogits.shape;
  if (!tf.util.arraysEqual(mask.shape, [n, h, w, 1])) {
    throw new ShapeError(`${fn}: mask must be [${n}, ${h}, ${w}, 1], found ${describeShape(mask.shape)}`);
  }
  return tf.tidy(() => {
    const target = tf.add(tf.mul(mask, realLogits), tf.mul(tf.sub(1, mask), fakeLogits));
    return tf.mean(tf.squaredDifference(target, mixedLogits)) as tf.Scalar;
  });
}
