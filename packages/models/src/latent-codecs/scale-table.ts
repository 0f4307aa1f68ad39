import { InvalidArgumentError, lowerBound } from '@ncomp/core';
import { LocationScaleIndexedEntropyModel, type CoderName, type LocationScaleFamily } from '@ncomp/entropy';
import * as tf from '@tensorflow/tfjs-core';

/** The scale table of a conditional prior (TFC's `scale_fn` of its hyperprior models). */
export interface ScaleTableOptions {
  /** Number of scales, TFC's default 64. */
  readonly numScales?: number;
  /** Smallest scale, TFC's default 0.11. */
  readonly scaleMin?: number;
  /** Largest scale, TFC's default 256. */
  readonly scaleMax?: number;
  /** The conditional prior's family; default `normal`. */
  readonly family?: LocationScaleFamily;
  /** Entropy coder. */
  readonly coder: CoderName;
}

/**
 * A conditional entropy model over a log-spaced scale table: index i in [0, numScales - 1]
 * has scale exp(log(scaleMin) + i · (log(scaleMax) - log(scaleMin)) / (numScales - 1)).
 */
export interface ScaleTable {
  /** The entropy model (coding rank 3, with integer tables). */
  readonly model: LocationScaleIndexedEntropyModel;
  /** Number of scales. */
  readonly numScales: number;
  /** log(scaleMin): the log scale of index 0. */
  readonly logScaleMin: number;
  /** The log-scale step between neighbouring indexes. */
  readonly logScaleStep: number;
}

/**
 * Builds a {@link ScaleTable}; what the hyperprior and ChARM latent codecs share.
 * @throws InvalidArgumentError for fewer than 2 scales or not 0 < scaleMin < scaleMax.
 */
export function scaleTable(options: ScaleTableOptions): ScaleTable {
  const numScales = options.numScales ?? 64;
  const scaleMin = options.scaleMin ?? 0.11;
  const scaleMax = options.scaleMax ?? 256;
  if (!Number.isInteger(numScales) || numScales < 2) throw new InvalidArgumentError(`numScales must be an integer >= 2, found ${numScales}`);
  if (!(scaleMin > 0 && scaleMax > scaleMin)) throw new InvalidArgumentError(`need 0 < scaleMin < scaleMax, found ${scaleMin}, ${scaleMax}`);
  const logScaleMin = Math.log(scaleMin);
  const logScaleStep = (Math.log(scaleMax) - logScaleMin) / (numScales - 1);
  const model = new LocationScaleIndexedEntropyModel({
    numScales,
    scaleFn: (i) => tf.exp(tf.add(logScaleMin, tf.mul(logScaleStep, i))),
    codingRank: 3,
    compression: true,
    coder: options.coder,
    ...(options.family === undefined ? {} : { family: options.family }),
  });
  return { model, numScales, logScaleMin, logScaleStep };
}

/**
 * Scale indexes bounded to [0, numScales - 1] with TFC's `lower_bound` on both sides (the
 * gradient passes where it pushes an index back into range).
 */
export function boundScaleIndexes(indexes: tf.Tensor, numScales: number): tf.Tensor4D {
  return tf.neg(lowerBound(tf.neg(lowerBound(indexes, 0)), -(numScales - 1))) as tf.Tensor4D;
}
