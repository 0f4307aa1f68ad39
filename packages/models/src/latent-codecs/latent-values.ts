import { exactExp } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The values of a latent batch per image (HWC, float64), multiplied by `exp(logGain)` per
 * channel when given: what an encoder rounds. Read asynchronously (any backend).
 */
export async function imageValues(y: tf.Tensor4D, logGain?: Float64Array): Promise<Float64Array[]> {
  const [n, h, w, c] = y.shape;
  const data = (await y.data()) as Float32Array;
  const gains = logGain ? Array.from(logGain, (g) => exactExp(g)) : undefined;
  const unit = h * w * c;
  return Array.from({ length: n }, (_, i) => {
    const out = new Float64Array(unit);
    for (let k = 0; k < unit; k++) out[k] = gains ? data[i * unit + k]! * gains[k % c]! : data[i * unit + k]!;
    return out;
  });
}

/** Images' decoded latents (HWC, float64) as one float32 tensor of `shape`. */
export function latentTensor(images: readonly Float64Array[], shape: readonly [number, number, number, number]): tf.Tensor4D {
  const unit = shape[1] * shape[2] * shape[3];
  const out = new Float32Array(images.length * unit);
  images.forEach((img, i) => out.set(img, i * unit));
  return tf.tensor4d(out, [...shape]);
}
