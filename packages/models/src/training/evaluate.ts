import * as tf from '@tensorflow/tfjs-core';
import type { ImageCodec } from '../codec/image-codec.js';
import { padImage } from '../codec/reflect-pad.js';
import { roundUpTo } from '../codec/replicate-pad.js';
import type { RgbImage } from './crop-sampler.js';

/** Rate and distortion of a codec on a set of images, without entropy coding. */
export interface EstimateReport {
  /** Mean over images of the estimated bits per pixel (information content of the quantized latents). */
  readonly bpp: number;
  /** Mean over images of the PSNR (dB) of the 8-bit rounded reconstruction. */
  readonly psnr: number;
}

/**
 * Estimates bpp and PSNR of a codec at a quality on whole images: quantized latents and
 * their information content (which the entropy coder meets within a fraction of a percent),
 * reconstruction rounded to 8 bits. Fast enough for periodic evaluation during training.
 */
export async function estimateRateDistortion(model: ImageCodec, images: readonly RgbImage[], quality?: number): Promise<EstimateReport> {
  let bpp = 0;
  let psnr = 0;
  for (const im of images) {
    const [bits, mse] = tf.tidy(() => {
      const x = tf.div(tf.tensor4d(im.pixels, [1, im.height, im.width, 3], 'int32'), 255) as tf.Tensor4D;
      const m = model.padMultiple;
      const padded = padImage(x, roundUpTo(im.height, m) - im.height, roundUpTo(im.width, m) - im.width, model.padMode);
      const out = model.forward(padded, { training: false, ...(quality === undefined ? {} : { quality }) });
      const xHat = tf.slice(out.xHat, [0, 0, 0, 0], [1, im.height, im.width, 3]);
      const rounded = tf.round(tf.mul(tf.clipByValue(xHat, 0, 1), 255));
      return [out.bits, tf.mean(tf.squaredDifference(rounded, tf.mul(x, 255)))];
    });
    try {
      bpp += (await bits.data())[0]! / (im.width * im.height);
      psnr += 10 * Math.log10((255 * 255) / (await mse.data())[0]!);
    } finally {
      tf.dispose([bits, mse]);
    }
  }
  return { bpp: bpp / images.length, psnr: psnr / images.length };
}
