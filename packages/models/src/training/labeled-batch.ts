import type * as tf from '@tensorflow/tfjs-core';
import type { BatchSource } from './gan-trainer.js';

/** Images with their semantic label maps, as {@link LabeledBatchSource.nextLabeled} returns them. */
export interface LabeledBatch {
  /** Images [N, H, W, 3] in [0, 1]. */
  readonly images: tf.Tensor4D;
  /** int32 [N, H, W], one class in [0, numClasses) per pixel (e.g. COCO panoptic's 134). */
  readonly labels: tf.Tensor3D;
}

/**
 * A {@link BatchSource} that also gives semantic label maps, for EGIC's OASIS-C
 * discriminator (its losses classify every pixel). `next` gives the images alone (stages
 * without a discriminator); `nextLabeled` images with labels, drawn from the same sequence,
 * so `state` restores both.
 */
export interface LabeledBatchSource extends BatchSource {
  /** Number N of semantic classes: labels lie in [0, N). */
  readonly numClasses: number;
  /** The next batch with its labels (the caller disposes both tensors). */
  nextLabeled(batchSize: number): LabeledBatch;
}

/** Whether a batch source gives semantic labels ({@link LabeledBatchSource}). */
export function isLabeledBatchSource(source: BatchSource): source is LabeledBatchSource {
  const s = source as Partial<LabeledBatchSource>;
  return typeof s.nextLabeled === 'function' && typeof s.numClasses === 'number';
}
