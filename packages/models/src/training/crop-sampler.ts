import { InvalidArgumentError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from './rng.js';

/** An 8-bit RGB image in memory (HWC, row-major). */
export interface RgbImage {
  /** Pixels, `height * width * 3` bytes. */
  readonly pixels: Uint8Array;
  /** Width. */
  readonly width: number;
  /** Height. */
  readonly height: number;
  /** Where it came from (for messages). */
  readonly name?: string;
}

/**
 * Random square crops from a set of images, with random horizontal flips: the training
 * batches of learned codecs. Deterministic for a seed, and resumable: {@link
 * RandomCropSampler.state} restores the exact sequence.
 */
export class RandomCropSampler {
  /** Crop side in pixels. */
  readonly cropSize: number;
  private readonly images: readonly RgbImage[];
  private readonly rng: SeededRandom;

  /**
   * @param images - Images at least `cropSize` on both sides (smaller ones are skipped).
   * @param cropSize - Crop side.
   * @param seed - Seed of the sequence.
   * @throws InvalidArgumentError when no image is large enough.
   */
  constructor(images: readonly RgbImage[], cropSize: number, seed: number) {
    if (!Number.isInteger(cropSize) || cropSize < 1) throw new InvalidArgumentError(`crop size must be a positive integer, found ${cropSize}`);
    for (const im of images) {
      if (im.pixels.length !== im.width * im.height * 3) {
        throw new InvalidArgumentError(`image ${im.name ?? ''} has ${im.pixels.length} bytes, expected ${im.width}x${im.height}x3`);
      }
    }
    this.images = images.filter((im) => im.width >= cropSize && im.height >= cropSize);
    if (this.images.length === 0) throw new InvalidArgumentError(`no training image is at least ${cropSize}x${cropSize} (of ${images.length} given)`);
    this.cropSize = cropSize;
    this.rng = new SeededRandom(seed);
  }

  /** Number of usable images. */
  get size(): number {
    return this.images.length;
  }

  /** Generator state, for checkpoints. */
  get state(): number {
    return this.rng.state;
  }

  /** Restores a state read from {@link RandomCropSampler.state}. */
  set state(value: number) {
    this.rng.state = value >>> 0;
  }

  /** The next batch [batchSize, cropSize, cropSize, 3] in [0, 1]. */
  next(batchSize: number): tf.Tensor4D {
    const c = this.cropSize;
    const out = new Float32Array(batchSize * c * c * 3);
    let o = 0;
    for (let b = 0; b < batchSize; b++) {
      const im = this.images[this.rng.int(this.images.length)]!;
      const top = this.rng.int(im.height - c + 1);
      const left = this.rng.int(im.width - c + 1);
      const flip = this.rng.next() < 0.5;
      for (let y = 0; y < c; y++) {
        const row = ((top + y) * im.width + left) * 3;
        for (let x = 0; x < c; x++) {
          const src = row + (flip ? c - 1 - x : x) * 3;
          out[o++] = im.pixels[src]! / 255;
          out[o++] = im.pixels[src + 1]! / 255;
          out[o++] = im.pixels[src + 2]! / 255;
        }
      }
    }
    return tf.tensor4d(out, [batchSize, c, c, 3]);
  }
}
