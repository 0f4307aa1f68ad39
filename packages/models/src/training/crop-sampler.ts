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

/** Options of {@link RandomCropSampler}. */
export interface CropSamplerOptions {
  /**
   * Downscale every crop's image by a factor drawn uniformly from `[min, max]` (0 < min <=
   * max <= 1) before cropping, with bilinear resampling: HiFiC's 0.75-0.95 (TFC
   * `models/hific`: random downscale, then a random crop). Absent: no resampling.
   */
  readonly scaleRange?: readonly [number, number];
}

/**
 * Where one crop comes from: the image, the top-left corner of the source region (pixels of
 * the original image), the scale (the source region is `cropSize / scale` pixels wide) and
 * whether it is mirrored.
 */
export interface CropPlacement {
  /** Index into the sampler's usable images. */
  readonly image: number;
  /** Top of the source region (a real number when scaled). */
  readonly top: number;
  /** Left of the source region. */
  readonly left: number;
  /** Scale factor (1: a plain crop). */
  readonly scale: number;
  /** Mirrored horizontally. */
  readonly flip: boolean;
}

/**
 * Random square crops from a set of images, with random horizontal flips (and, when asked,
 * HiFiC's random downscale): the training batches of learned codecs. Deterministic for a
 * seed, and resumable: {@link RandomCropSampler.state} restores the exact sequence.
 */
export class RandomCropSampler {
  /** Crop side in pixels. */
  readonly cropSize: number;
  /** The images large enough for a crop, in the given order. */
  readonly images: readonly RgbImage[];
  /** The downscale range, or undefined. */
  readonly scaleRange: readonly [number, number] | undefined;
  private readonly rng: SeededRandom;

  /**
   * @param images - Images at least `cropSize / scaleRange[0]` on both sides (smaller ones are skipped).
   * @param cropSize - Crop side.
   * @param seed - Seed of the sequence.
   * @param options - See {@link CropSamplerOptions}.
   * @throws InvalidArgumentError when no image is large enough or the scale range is bad.
   */
  constructor(images: readonly RgbImage[], cropSize: number, seed: number, options: CropSamplerOptions = {}) {
    if (!Number.isInteger(cropSize) || cropSize < 1) throw new InvalidArgumentError(`crop size must be a positive integer, found ${cropSize}`);
    const range = options.scaleRange;
    if (range && !(range.length === 2 && range[0] > 0 && range[0] <= range[1] && range[1] <= 1)) {
      throw new InvalidArgumentError(`scaleRange must be [min, max] with 0 < min <= max <= 1, found ${JSON.stringify(range)}`);
    }
    for (const im of images) {
      if (im.pixels.length !== im.width * im.height * 3) {
        throw new InvalidArgumentError(`image ${im.name ?? ''} has ${im.pixels.length} bytes, expected ${im.width}x${im.height}x3`);
      }
    }
    const side = RandomCropSampler.sourceSide(cropSize, range);
    this.images = images.filter((im) => im.width >= side && im.height >= side);
    if (this.images.length === 0) throw new InvalidArgumentError(`no training image is at least ${side}x${side} (of ${images.length} given)`);
    this.cropSize = cropSize;
    this.scaleRange = range ? [range[0], range[1]] : undefined;
    this.rng = new SeededRandom(seed);
  }

  /** The smallest image side a crop needs: `ceil(cropSize / min scale)`. */
  static sourceSide(cropSize: number, scaleRange: readonly [number, number] | undefined): number {
    return scaleRange ? Math.ceil(cropSize / scaleRange[0]) : cropSize;
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

  /** The next `count` crop placements (advances the sequence as {@link RandomCropSampler.next} does). */
  placements(count: number): CropPlacement[] {
    const c = this.cropSize;
    const out: CropPlacement[] = [];
    for (let b = 0; b < count; b++) {
      const image = this.rng.int(this.images.length);
      const im = this.images[image]!;
      if (!this.scaleRange) {
        const top = this.rng.int(im.height - c + 1);
        const left = this.rng.int(im.width - c + 1);
        out.push({ image, top, left, scale: 1, flip: this.rng.next() < 0.5 });
        continue;
      }
      const [lo, hi] = this.scaleRange;
      const scale = lo + (hi - lo) * this.rng.next();
      const side = c / scale;
      const top = this.rng.next() * (im.height - side);
      const left = this.rng.next() * (im.width - side);
      out.push({ image, top, left, scale, flip: this.rng.next() < 0.5 });
    }
    return out;
  }

  /** The next batch [batchSize, cropSize, cropSize, 3] in [0, 1]. */
  next(batchSize: number): tf.Tensor4D {
    return this.render(this.placements(batchSize));
  }

  /** The crops of `placements` as a batch [N, cropSize, cropSize, 3] in [0, 1] (bilinear where scaled). */
  render(placements: readonly CropPlacement[]): tf.Tensor4D {
    const c = this.cropSize;
    const out = new Float32Array(placements.length * c * c * 3);
    placements.forEach((p, b) => {
      const im = this.images[p.image]!;
      const base = b * c * c * 3;
      if (p.scale === 1) copyCrop(im, p, c, out, base);
      else resampleCrop(im, p, c, out, base);
    });
    return tf.tensor4d(out, [placements.length, c, c, 3]);
  }
}

/** A plain crop (integer corner, scale 1) into `out` from `base`. */
function copyCrop(im: RgbImage, p: CropPlacement, c: number, out: Float32Array, base: number): void {
  let o = base;
  for (let y = 0; y < c; y++) {
    const row = ((p.top + y) * im.width + p.left) * 3;
    for (let x = 0; x < c; x++) {
      const src = row + (p.flip ? c - 1 - x : x) * 3;
      out[o++] = im.pixels[src]! / 255;
      out[o++] = im.pixels[src + 1]! / 255;
      out[o++] = im.pixels[src + 2]! / 255;
    }
  }
}

/**
 * A downscaled crop: output pixel (x, y) samples the source bilinearly at the centre of its
 * footprint, `left + (x + 0.5) / scale - 0.5` (half-pixel centres, as tf.image.resize).
 */
function resampleCrop(im: RgbImage, p: CropPlacement, c: number, out: Float32Array, base: number): void {
  const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  let o = base;
  for (let y = 0; y < c; y++) {
    const sy = clamp(p.top + (y + 0.5) / p.scale - 0.5, im.height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, im.height - 1);
    const fy = sy - y0;
    for (let x = 0; x < c; x++) {
      const xx = p.flip ? c - 1 - x : x;
      const sx = clamp(p.left + (xx + 0.5) / p.scale - 0.5, im.width - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, im.width - 1);
      const fx = sx - x0;
      for (let ch = 0; ch < 3; ch++) {
        const at = (yy: number, xq: number): number => im.pixels[(yy * im.width + xq) * 3 + ch]!;
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
        out[o++] = (top + (bottom - top) * fy) / 255;
      }
    }
  }
}
