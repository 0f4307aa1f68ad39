import { InvalidArgumentError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { RandomCropSampler, type CropPlacement, type CropSamplerOptions, type RgbImage } from './crop-sampler.js';
import type { LabeledBatch, LabeledBatchSource } from './labeled-batch.js';

/** A per-pixel semantic label map (HW, row-major), one class in `[0, numClasses)` per pixel. */
export interface LabelMap {
  /** Class indices, `height * width` of them. */
  readonly classes: Uint8Array | Uint16Array | Int32Array;
  /** Width (the image's). */
  readonly width: number;
  /** Height (the image's). */
  readonly height: number;
  /** Where it came from (for messages). */
  readonly name?: string;
}

/** An image with its label map. */
export interface LabeledImage {
  /** The image. */
  readonly image: RgbImage;
  /** Its per-pixel classes, the same size. */
  readonly labels: LabelMap;
}

/**
 * Random crops of images with their semantic label maps, for EGIC's OASIS-C discriminator
 * (a {@link LabeledBatchSource}): the crops, flips and downscales of a
 * {@link RandomCropSampler} over the images, the label maps cut at the same places
 * (nearest neighbour where scaled, so every label stays a class). `next` and `nextLabeled`
 * draw from one sequence, so {@link LabeledCropSampler.state} restores both.
 */
export class LabeledCropSampler implements LabeledBatchSource {
  /** Number N of semantic classes. */
  readonly numClasses: number;
  readonly #crops: RandomCropSampler;
  readonly #labels: readonly LabelMap[];

  /**
   * @param pairs - Images with label maps of their size (pairs too small for a crop are skipped).
   * @param numClasses - N: every label must lie in `[0, N)`.
   * @param cropSize - Crop side.
   * @param seed - Seed of the sequence.
   * @param options - As {@link RandomCropSampler}'s.
   * @throws InvalidArgumentError for a label map of another size, a label outside
   *   `[0, numClasses)`, or no pair large enough.
   */
  constructor(pairs: readonly LabeledImage[], numClasses: number, cropSize: number, seed: number, options: CropSamplerOptions = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new InvalidArgumentError(`numClasses must be a positive integer, found ${numClasses}`);
    for (const { image, labels } of pairs) {
      const what = labels.name ?? image.name ?? 'a label map';
      if (labels.width !== image.width || labels.height !== image.height || labels.classes.length !== labels.width * labels.height) {
        throw new InvalidArgumentError(
          `${what}: expected ${image.width}x${image.height} labels for its image, found ${labels.width}x${labels.height} (${labels.classes.length} values)`,
        );
      }
      const bad = labels.classes.findIndex((c) => c >= numClasses || c < 0);
      if (bad >= 0) throw new InvalidArgumentError(`${what}: label ${labels.classes[bad]} at pixel ${bad} is outside [0, ${numClasses})`);
    }
    const side = RandomCropSampler.sourceSide(cropSize, options.scaleRange);
    const usable = pairs.filter((p) => p.image.width >= side && p.image.height >= side);
    this.#crops = new RandomCropSampler(
      usable.map((p) => p.image),
      cropSize,
      seed,
      options,
    );
    this.#labels = usable.map((p) => p.labels);
    this.numClasses = numClasses;
  }

  /** Number of usable pairs. */
  get size(): number {
    return this.#crops.size;
  }

  /** Generator state, for checkpoints. */
  get state(): number {
    return this.#crops.state;
  }

  /** Restores a state read from {@link LabeledCropSampler.state}. */
  set state(value: number) {
    this.#crops.state = value;
  }

  /** The next images alone [batchSize, cropSize, cropSize, 3] in [0, 1]. */
  next(batchSize: number): tf.Tensor4D {
    return this.#crops.next(batchSize);
  }

  /** The next images with their int32 label maps [batchSize, cropSize, cropSize]. */
  nextLabeled(batchSize: number): LabeledBatch {
    const placements = this.#crops.placements(batchSize);
    const c = this.#crops.cropSize;
    const labels = new Int32Array(batchSize * c * c);
    placements.forEach((p, b) => cropLabels(this.#labels[p.image]!, p, c, labels, b * c * c));
    return { images: this.#crops.render(placements), labels: tf.tensor3d(labels, [batchSize, c, c], 'int32') };
  }
}

/** The labels of one placement, nearest neighbour at the same sample positions as the image's. */
function cropLabels(map: LabelMap, p: CropPlacement, c: number, out: Int32Array, base: number): void {
  let o = base;
  for (let y = 0; y < c; y++) {
    const sy = Math.min(Math.max(Math.round(p.top + (y + 0.5) / p.scale - 0.5), 0), map.height - 1);
    for (let x = 0; x < c; x++) {
      const xx = p.flip ? c - 1 - x : x;
      const sx = Math.min(Math.max(Math.round(p.left + (xx + 0.5) / p.scale - 0.5), 0), map.width - 1);
      out[o++] = map.classes[sy * map.width + sx]!;
    }
  }
}
