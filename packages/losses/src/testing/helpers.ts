/**
 * Shared helpers of the losses tests (not part of the public API).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '@ncomp/core';
import { expect } from 'vitest';

/** The backends the tests run on (wasm is ncomp's default; cpu is the reference). */
export type TestBackend = 'wasm' | 'cpu';

/** Activates a backend for the tests that follow. */
export async function useBackend(name: TestBackend): Promise<void> {
  await setBackend(name);
}

/**
 * Runs `fn` and checks that it leaves the number of live tensors unchanged (the test
 * disposes what it made itself; the function under test must leak nothing).
 */
export async function expectNoLeak(fn: () => void | Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors).toBe(before);
}

/** The values of a tensor as a plain array (the tensor is not disposed). */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/**
 * A smooth deterministic test image batch with some high-frequency texture, values
 * roughly in [0.05, 0.95], computed in double precision and rounded to float32:
 * `0.5 + 0.3 sin(0.11 i + 0.07 j + 1.3 k + m + seed) cos(0.05 i - 0.09 j + 0.4 seed)
 *  + 0.15 sin(1.7 i (1 + 0.1 seed) + 2.3 j + 0.5 k + 3 m)` for image m, row i, column j,
 * channel k. (The MS-SSIM reference values were computed in float64 from this formula.)
 */
export function pattern(n: number, h: number, w: number, c: number, seed: number): Float32Array {
  const out = new Float32Array(n * h * w * c);
  let p = 0;
  for (let m = 0; m < n; m++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let k = 0; k < c; k++) {
          out[p++] =
            0.5 +
            0.3 * Math.sin(0.11 * i + 0.07 * j + 1.3 * k + m + seed) * Math.cos(0.05 * i - 0.09 * j + 0.4 * seed) +
            0.15 * Math.sin(1.7 * i * (1 + 0.1 * seed) + 2.3 * j + 0.5 * k + 3 * m);
        }
      }
    }
  }
  return out;
}

/** {@link pattern} as a tensor `[n, h, w, c]`. */
export function patternTensor(n: number, h: number, w: number, c: number, seed: number): tf.Tensor4D {
  return tf.tensor4d(pattern(n, h, w, c, seed), [n, h, w, c]);
}

/**
 * Checks a gradient against central finite differences: `(f(x + h v) - f(x - h v)) / 2h`
 * against `<grad, v>`, relative to the larger of the two, for the direction of the
 * gradient itself (scaled to a largest entry of 1) and `randomDirections` uniform
 * random directions in `[-1, 1]`. Returns the worst relative error.
 */
export function finiteDifferenceError(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  options: { readonly step: number; readonly randomDirections: number; readonly seed: number },
): number {
  return tf.tidy(() => {
    const grad = tf.grad(f)(x);
    const directions = [tf.div(grad, tf.max(tf.abs(grad)))];
    for (let d = 0; d < options.randomDirections; d++) {
      directions.push(tf.randomUniform(x.shape, -1, 1, 'float32', options.seed + d));
    }
    let worst = 0;
    for (const v of directions) {
      const analytic = tf.sum(tf.mul(grad, v)).dataSync()[0]!;
      const plus = f(tf.add(x, tf.mul(v, options.step))).dataSync()[0]!;
      const minus = f(tf.sub(x, tf.mul(v, options.step))).dataSync()[0]!;
      const numeric = (plus - minus) / (2 * options.step);
      const scale = Math.max(Math.abs(analytic), Math.abs(numeric), 1e-12);
      worst = Math.max(worst, Math.abs(analytic - numeric) / scale);
    }
    return worst;
  });
}

/** The largest absolute elementwise difference of two tensors (nothing is disposed). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}
