import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, ShapeError, concatChannels, type ExactMap } from '@ncomp/core';
import { checkInteger, checkNhwc, checkTensor, describe } from '../internal/checks.js';
import { LatentResidualPrediction } from './latent-residual-prediction.js';
import { SliceTransform } from './slice-transform.js';

/** Options of {@link CharmTransforms}. */
export interface CharmTransformsOptions {
  /** Channels of the latent y; default 320. */
  readonly latentChannels?: number;
  /** Number of equal slices; must divide latentChannels. Default 10 (slices of 32). */
  readonly numSlices?: number;
  /**
   * How many previously decoded slices condition a slice: slice i sees the first
   * min(i, maxSupportSlices); -1 means all previous ones. Default 10 (ms2020, MRIC).
   */
  readonly maxSupportSlices?: number;
  /** Channels of the hyper-synthesis means feature; default latentChannels. */
  readonly hyperMeanChannels?: number;
  /** Channels of the hyper-synthesis scales feature; default latentChannels. */
  readonly hyperScaleChannels?: number;
  /**
   * Hidden widths of every slice transform, or a function of the slice index (EGIC grows
   * them per slice). Default `[224, 128]`.
   */
  readonly hiddenChannels?: readonly number[] | ((slice: number) => readonly number[]);
  /** Kernel sizes of every slice transform (hidden layers, then output); default `[5, 5, 3]`. */
  readonly kernelSizes?: readonly number[];
  /** Whether to create the latent residual prediction transforms; default `true` (EGIC: false). */
  readonly latentResidualPrediction?: boolean;
}

/**
 * The deterministic twins of a {@link CharmTransforms}' per-slice transforms (see
 * `ExactEvaluable` in @ncomp/core): the same arguments as its methods, on one image's maps.
 */
export interface ExactCharmTransforms {
  /** Twin of {@link CharmTransforms.mean}. */
  mean(slice: number, hyperMeans: ExactMap, decoded: readonly ExactMap[]): ExactMap;
  /** Twin of {@link CharmTransforms.scale}. */
  scale(slice: number, hyperScales: ExactMap, decoded: readonly ExactMap[]): ExactMap;
  /** Twin of {@link CharmTransforms.latentResidual}; absent without LRP. */
  readonly latentResidual?: (slice: number, hyperMeans: ExactMap, decoded: readonly ExactMap[], yHatSlice: ExactMap) => ExactMap;
}

/**
 * The per-slice transforms of a channel-wise autoregressive entropy model (ChARM; Minnen &
 * Singh 2020; TFC `models/ms2020.py`, as configured by MRIC): the latent's C channels are
 * split into `numSlices` slices of C / numSlices; for slice i,
 *
 *     support_mean  = concat(hyperMeans,  decoded[0 .. s_i - 1])
 *     support_scale = concat(hyperScales, decoded[0 .. s_i - 1])      s_i = min(i, maxSupportSlices)
 *     mu_i    = mean_i(support_mean)
 *     sigma_i = scale_i(support_scale)           (MRIC: scale indexes)
 *     y_hat_i' = y_hat_i + 0.5 tanh(lrp_i(concat(support_mean, y_hat_i)))
 *
 * where decoded[k] are the earlier slices after LRP. Each transform is a
 * {@link SliceTransform}. Cropping the hyper features to the latent's size and the entropy
 * model are the caller's business.
 *
 * Variables: `mean{i}`, `scale{i}` and (with LRP) `lrp{i}` for every slice i.
 */
export class CharmTransforms extends Module {
  /** Channels of the latent. */
  readonly latentChannels: number;
  /** Number of slices. */
  readonly numSlices: number;
  /** Channels per slice. */
  readonly sliceChannels: number;
  /** Support limit (-1: all previous slices). */
  readonly maxSupportSlices: number;
  /** Channels of the hyper means feature. */
  readonly hyperMeanChannels: number;
  /** Channels of the hyper scales feature. */
  readonly hyperScaleChannels: number;
  /** Mean transform of each slice. */
  readonly meanTransforms: readonly SliceTransform[];
  /** Scale transform of each slice. */
  readonly scaleTransforms: readonly SliceTransform[];
  /** LRP transform of each slice (empty without LRP). */
  readonly lrpTransforms: readonly LatentResidualPrediction[];

  /** @param options - See {@link CharmTransformsOptions}. */
  constructor(options: CharmTransformsOptions = {}) {
    super();
    const owner = new.target.name;
    this.latentChannels = options.latentChannels ?? 320;
    this.numSlices = options.numSlices ?? 10;
    this.maxSupportSlices = options.maxSupportSlices ?? 10;
    this.hyperMeanChannels = options.hyperMeanChannels ?? this.latentChannels;
    this.hyperScaleChannels = options.hyperScaleChannels ?? this.latentChannels;
    checkInteger(owner, 'latentChannels', this.latentChannels);
    checkInteger(owner, 'numSlices', this.numSlices);
    checkInteger(owner, 'maxSupportSlices', this.maxSupportSlices, -1);
    checkInteger(owner, 'hyperMeanChannels', this.hyperMeanChannels);
    checkInteger(owner, 'hyperScaleChannels', this.hyperScaleChannels);
    if (this.latentChannels % this.numSlices !== 0) {
      throw new InvalidArgumentError(`${owner}: numSlices (${this.numSlices}) must divide latentChannels (${this.latentChannels})`);
    }
    this.sliceChannels = this.latentChannels / this.numSlices;
    const hidden = options.hiddenChannels ?? [224, 128];
    const means: SliceTransform[] = [];
    const scales: SliceTransform[] = [];
    const lrps: LatentResidualPrediction[] = [];
    for (let i = 0; i < this.numSlices; i++) {
      const sliceOptions = {
        hiddenChannels: typeof hidden === 'function' ? hidden(i) : hidden,
        ...(options.kernelSizes === undefined ? {} : { kernelSizes: options.kernelSizes }),
      };
      const previous = this.supportSlices(i) * this.sliceChannels;
      means.push(this.addModule(`mean${i}`, new SliceTransform(this.hyperMeanChannels + previous, this.sliceChannels, sliceOptions)));
      scales.push(this.addModule(`scale${i}`, new SliceTransform(this.hyperScaleChannels + previous, this.sliceChannels, sliceOptions)));
    }
    if (options.latentResidualPrediction ?? true) {
      for (let i = 0; i < this.numSlices; i++) {
        const sliceOptions = {
          hiddenChannels: typeof hidden === 'function' ? hidden(i) : hidden,
          ...(options.kernelSizes === undefined ? {} : { kernelSizes: options.kernelSizes }),
        };
        const support = this.hyperMeanChannels + this.supportSlices(i) * this.sliceChannels;
        lrps.push(this.addModule(`lrp${i}`, new LatentResidualPrediction(support, this.sliceChannels, sliceOptions)));
      }
    }
    this.meanTransforms = means;
    this.scaleTransforms = scales;
    this.lrpTransforms = lrps;
  }

  /** Number of previously decoded slices that condition slice `slice`: min(slice, maxSupportSlices). */
  supportSlices(slice: number): number {
    return this.maxSupportSlices < 0 ? slice : Math.min(slice, this.maxSupportSlices);
  }

  /**
   * The mean mu_i of slice `slice`.
   *
   * @param slice - Slice index, 0..numSlices-1.
   * @param hyperMeans - [N, H, W, hyperMeanChannels] (hyper-synthesis output, cropped to the latent).
   * @param decoded - The decoded slices so far (after LRP), each [N, H, W, sliceChannels];
   *   the first `supportSlices(slice)` are used.
   * @returns [N, H, W, sliceChannels].
   * @throws InvalidArgumentError for a bad index; ShapeError for too few or mis-shaped slices.
   */
  mean(slice: number, hyperMeans: tf.Tensor, decoded: readonly tf.Tensor[]): tf.Tensor4D {
    return tf.tidy(() => this.meanTransforms[this.#checkSlice(slice)]!.call(this.#support(slice, hyperMeans, this.hyperMeanChannels, decoded)));
  }

  /**
   * The scale parameter sigma_i of slice `slice` (MRIC and TFC's ms2020 read it as scale
   * indexes of a `LocationScaleIndexedEntropyModel`).
   *
   * @param slice - Slice index, 0..numSlices-1.
   * @param hyperScales - [N, H, W, hyperScaleChannels].
   * @param decoded - The decoded slices so far (after LRP).
   * @returns [N, H, W, sliceChannels].
   * @throws As {@link CharmTransforms.mean}.
   */
  scale(slice: number, hyperScales: tf.Tensor, decoded: readonly tf.Tensor[]): tf.Tensor4D {
    return tf.tidy(() => this.scaleTransforms[this.#checkSlice(slice)]!.call(this.#support(slice, hyperScales, this.hyperScaleChannels, decoded)));
  }

  /**
   * Applies latent residual prediction to the quantized slice `yHatSlice`.
   *
   * @param slice - Slice index, 0..numSlices-1.
   * @param hyperMeans - [N, H, W, hyperMeanChannels].
   * @param decoded - The decoded slices so far (after LRP).
   * @param yHatSlice - The quantized slice [N, H, W, sliceChannels].
   * @returns yHatSlice + 0.5 tanh(lrp(concat(support_mean, yHatSlice))).
   * @throws InvalidArgumentError when the module was built without LRP; otherwise as
   *   {@link CharmTransforms.mean}.
   */
  latentResidual(slice: number, hyperMeans: tf.Tensor, decoded: readonly tf.Tensor[], yHatSlice: tf.Tensor): tf.Tensor4D {
    const index = this.#checkSlice(slice);
    if (this.lrpTransforms.length === 0) {
      throw new InvalidArgumentError(`${this.constructor.name}: built with latentResidualPrediction: false`);
    }
    return tf.tidy(() => this.lrpTransforms[index]!.call(this.#support(slice, hyperMeans, this.hyperMeanChannels, decoded), yHatSlice));
  }

  /**
   * Rows of its inputs (hyper features, decoded slices, the slice itself for LRP) beyond its
   * own that a row of slice `slice`'s mean, scale or LRP output reads: what a band of rows
   * must be grown by to be computed as on the whole map (banded coding of large latents).
   */
  reach(slice: number): number {
    const i = this.#checkSlice(slice);
    return Math.max(this.meanTransforms[i]!.reach, this.scaleTransforms[i]!.reach, this.lrpTransforms[i]?.transform.reach ?? 0);
  }

  /** Reads every transform's weights and returns their deterministic twins. */
  async exact(): Promise<ExactCharmTransforms> {
    const means = await Promise.all(this.meanTransforms.map((t) => t.exact()));
    const scales = await Promise.all(this.scaleTransforms.map((t) => t.exact()));
    const lrps = await Promise.all(this.lrpTransforms.map((t) => t.exact()));
    const support = (slice: number, hyper: ExactMap, decoded: readonly ExactMap[]): ExactMap => {
      const needed = this.supportSlices(this.#checkSlice(slice));
      if (decoded.length < needed) throw new ShapeError(`${this.constructor.name}: slice ${slice} needs ${needed} decoded slices, found ${decoded.length}`);
      return concatChannels([hyper, ...decoded.slice(0, needed)]);
    };
    return {
      mean: (slice, hyper, decoded) => means[slice]!(support(slice, hyper, decoded)),
      scale: (slice, hyper, decoded) => scales[slice]!(support(slice, hyper, decoded)),
      ...(lrps.length > 0
        ? {
            latentResidual: (slice: number, hyper: ExactMap, decoded: readonly ExactMap[], yHat: ExactMap) =>
              lrps[slice]!(support(slice, hyper, decoded), yHat),
          }
        : {}),
    };
  }

  #checkSlice(slice: number): number {
    if (!Number.isInteger(slice) || slice < 0 || slice >= this.numSlices) {
      throw new InvalidArgumentError(`${this.constructor.name}: slice must be an integer in 0..${this.numSlices - 1}, found ${String(slice)}`);
    }
    return slice;
  }

  #support(slice: number, hyper: tf.Tensor, channels: number, decoded: readonly tf.Tensor[]): tf.Tensor {
    const owner = this.constructor.name;
    checkNhwc(owner, hyper, channels);
    const needed = this.supportSlices(slice);
    if (!Array.isArray(decoded) || decoded.length < needed) {
      throw new ShapeError(`${owner}: slice ${slice} needs ${needed} decoded slices, found ${Array.isArray(decoded) ? decoded.length : 'none'}`);
    }
    const used = decoded.slice(0, needed);
    used.forEach((t, k) => {
      checkTensor(owner, `decoded[${k}]`, t);
      checkNhwc(owner, t, this.sliceChannels);
      if (!tf.util.arraysEqual(t.shape.slice(0, 3), hyper.shape.slice(0, 3))) {
        throw new ShapeError(`${owner}: decoded[${k}] ${describe(t)} and the hyper features ${describe(hyper)} differ in batch or spatial size`);
      }
    });
    return used.length === 0 ? hyper : tf.concat([hyper, ...used], 3);
  }
}
