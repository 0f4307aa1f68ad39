/** The image-quality measures of `ncomp eval`: PSNR on 8-bit RGB, MS-SSIM and LPIPS on RGB in [0, 1]. */
import { msSsim, type Lpips } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { DecodedImage } from '../image/index.js';

/** PSNR in dB of 8-bit rounded `b` against the 8-bit rounded source `a` (both HWC RGB in [0, 1]); 100 when equal. */
export function psnr8(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.round(a[i]! * 255) - Math.round(b[i]! * 255);
    s += d * d;
  }
  const mse = s / a.length;
  return mse === 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
}

/** Reads the first value of a scalar metric asynchronously (every backend, WebGPU included) and disposes it. */
async function scalarOf(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0]!;
  } finally {
    t.dispose();
  }
}

/** `metric(source, reconstruction rounded to 8 bits)` as a tensor, both [1, H, W, 3]. */
function against8Bit(image: DecodedImage, rec: Float32Array, metric: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.tensor4d(image.rgb, [1, image.height, image.width, 3]);
    const b = tf.div(tf.round(tf.mul(tf.tensor4d(rec, [1, image.height, image.width, 3]), 255)), 255) as tf.Tensor4D;
    return metric(a, b);
  });
}

/** MS-SSIM of the 8-bit rounded reconstruction `rec` against `image` (NaN under 161 pixels a side, too small for 5 scales). */
export async function msssimOf(image: DecodedImage, rec: Float32Array): Promise<number> {
  if (Math.min(image.width, image.height) < 161) return Number.NaN;
  return scalarOf(against8Bit(image, rec, (a, b) => msSsim(a, b) as tf.Tensor));
}

/** LPIPS distance of the 8-bit rounded reconstruction `rec` from `image` (NaN when smaller than the network accepts). */
export async function lpipsOf(lpips: Lpips, image: DecodedImage, rec: Float32Array): Promise<number> {
  if (Math.min(image.width, image.height) < lpips.minimumSize) return Number.NaN;
  return scalarOf(against8Bit(image, rec, (a, b) => lpips.distance(a, b) as tf.Tensor));
}
