import { Module } from '@ncomp/core';
import { Conv2d, ConvTranspose2d, Sequential, leakyRelu } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Orthonormal colour transform (rows: luma-like sum, a red-blue and a green-magenta
 * difference), so a block transform built from it is orthonormal too.
 */
export const ORTHONORMAL_COLOR: readonly (readonly number[])[] = [
  [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)],
  [1 / Math.sqrt(2), 0, -1 / Math.sqrt(2)],
  [1 / Math.sqrt(6), -2 / Math.sqrt(6), 1 / Math.sqrt(6)],
];

/** Orthonormal DCT-II basis value: frequency u at position i of a length-n block. */
export function dctBasis(u: number, i: number, n: number): number {
  const c = u === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
  return c * Math.cos(((2 * i + 1) * u * Math.PI) / (2 * n));
}

/**
 * The kernel [b, b, 3, 3 b²] of the orthonormal colour x 2-D DCT-II block transform:
 * output channel `c b² + u b + v` is colour component c at frequency (u, v). As a
 * stride-b convolution it is the block DCT of JPEG (without chroma subsampling); as a
 * transposed convolution with the same kernel, its exact inverse.
 */
export function blockDctKernel(b: number): Float32Array {
  const out = 3 * b * b;
  const k = new Float32Array(b * b * 3 * out);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      for (let ch = 0; ch < 3; ch++) {
        for (let c = 0; c < 3; c++) {
          for (let u = 0; u < b; u++) {
            for (let v = 0; v < b; v++) {
              k[((i * b + j) * 3 + ch) * out + c * b * b + u * b + v] = ORTHONORMAL_COLOR[c]![ch]! * dctBasis(u, i, b) * dctBasis(v, j, b);
            }
          }
        }
      }
    }
  }
  return k;
}

/** JPEG's luminance quantization table (ITU-T T.81 Annex K, quality 50), row-major u, v. */
export const JPEG_LUMA_TABLE: readonly number[] = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103,
  77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** JPEG's chrominance quantization table (ITU-T T.81 Annex K, quality 50). */
export const JPEG_CHROMA_TABLE: readonly number[] = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/**
 * Initial log gains [levels][3 * 64] for an 8x8 block transform: level l quantizes like
 * JPEG at `jpegQualities[l]` (IJG scaling of the Annex K tables; chroma tables for both
 * colour differences). The latent is in [0, 1] pixel units, JPEG's in 0-255, so a JPEG
 * step Q becomes the gain 255 / Q.
 */
export function jpegLikeLogGains(jpegQualities: readonly number[]): number[][] {
  return jpegQualities.map((q) => {
    const s = q < 50 ? 5000 / q : 200 - 2 * q;
    const step = (t: number): number => Math.max(1, Math.floor((t * s + 50) / 100));
    const luma = JPEG_LUMA_TABLE.map((t) => Math.log(255 / step(t)));
    const chroma = JPEG_CHROMA_TABLE.map((t) => Math.log(255 / step(t)));
    return [...luma, ...chroma, ...chroma];
  });
}

/** A stride-8 block transform initialised to the orthonormal colour x DCT basis (learned afterwards). */
export function blockAnalysis(): Conv2d {
  const conv = new Conv2d(3, 192, 8, { stride: 8, padding: 'valid', useBias: false });
  tf.tidy(() => conv.kernel.assign(tf.tensor4d(blockDctKernel(8), [8, 8, 3, 192])));
  return conv;
}

/** The inverse block transform (a stride-8 transposed convolution with the same initial kernel). */
export function blockSynthesis(): ConvTranspose2d {
  const conv = new ConvTranspose2d(192, 3, 8, { stride: 8, padding: 'valid', useBias: false });
  tf.tidy(() => conv.kernel.assign(tf.tensor4d(blockDctKernel(8), [8, 8, 3, 192])));
  return conv;
}

/**
 * A small residual post-filter at full resolution (conv 3x3 3->c, LeakyReLU, conv 3x3
 * c->3, added to the input), its last layer initialised to zero so it starts as the
 * identity. It learns to soften block edges and ringing.
 */
export class ResidualPostFilter extends Module {
  /** The residual branch. */
  readonly branch: Sequential;

  /** @param channels - Hidden channels. */
  constructor(channels: number) {
    super();
    const last = new Conv2d(channels, 3, 3, { padding: 'same' });
    tf.tidy(() => last.kernel.assign(tf.zerosLike(last.kernel)));
    this.branch = this.addModule('branch', new Sequential([new Conv2d(3, channels, 3, { padding: 'same' }), leakyRelu(0.1), last]));
  }

  /** x + branch(x). */
  call(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(x, this.branch.call(x)));
  }
}
