/**
 * Test helpers: deterministic inputs, finite-difference gradient checks, leak checks,
 * state-dict round trips and plain-loop reference convolutions. Not part of the build.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@ncomp/core';
import { expect } from 'vitest';

/** Values of `t` as numbers; disposes `t`. */
export function take(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** A deterministic uniform tensor in [lo, hi). */
export function uniform(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', seed);
}

/** Expects equal lengths and |a - e| <= atol + rtol * |e| elementwise. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`element ${i}: ${a} differs from ${e} by more than ${atol} + ${rtol} * |e|`);
    }
  }
}

/** Runs `fn` and expects the number of live tensors to be the same afterwards. */
export function expectNoLeak(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors).toBe(before);
}

/**
 * Compares the gradients of `loss` with respect to `variables` (from `tf.variableGrads`)
 * with central finite differences at `samples` coordinates per variable spread over its
 * elements. Tolerance |fd - g| <= atol + rtol * max(|fd|, |g|).
 */
export function checkGradients(loss: () => tf.Scalar, variables: tf.Variable[], { samples = 6, eps = 1e-2, atol = 2e-3, rtol = 2e-2 } = {}): void {
  const { value, grads } = tf.variableGrads(loss, variables);
  value.dispose();
  for (const v of variables) {
    const g = grads[v.name];
    expect(g, `gradient of ${v.name}`).toBeDefined();
    const analytic = take(g!);
    const base = v.dataSync().slice();
    const n = base.length;
    const count = Math.min(samples, n);
    for (let s = 0; s < count; s++) {
      const i = Math.floor(((s + 0.5) * n) / count);
      const evalAt = (delta: number): number => {
        const p = base.slice();
        p[i] = base[i]! + delta;
        const t = tf.tensor(p, v.shape);
        v.assign(t);
        t.dispose();
        const l = tf.tidy(loss);
        const out = l.dataSync()[0]!;
        l.dispose();
        return out;
      };
      const fd = (evalAt(eps) - evalAt(-eps)) / (2 * eps);
      const a = analytic[i]!;
      if (!(Math.abs(fd - a) <= atol + rtol * Math.max(Math.abs(fd), Math.abs(a)))) {
        expect.fail(`${v.name}[${i}]: analytic gradient ${a}, finite difference ${fd}`);
      }
    }
    const t = tf.tensor(base, v.shape);
    v.assign(t);
    t.dispose();
  }
}

/** A trainable variable holding a copy of `t` (disposes `t`). */
export function variableOf(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t);
  t.dispose();
  return v;
}

/**
 * State-dict round trip: `b = make()` loads `a.stateDict()` and must then give exactly
 * `a`'s output (and a different one before, so the check means something when
 * `mustDifferBefore`). Disposes everything it made.
 */
export function expectStateDictRoundTrip<M extends Module>(make: () => M, run: (m: M) => tf.Tensor, mustDifferBefore = true): void {
  const a = make();
  const b = make();
  const ya = run(a);
  if (mustDifferBefore) {
    const before = run(b);
    expect(Array.from(before.dataSync())).not.toEqual(Array.from(ya.dataSync()));
    before.dispose();
  }
  const dict = a.stateDict();
  expect(Object.keys(dict)).toEqual([...b.namedVariables().keys()]);
  b.loadStateDict(dict);
  tf.dispose(Object.values(dict));
  const yb = run(b);
  expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
  tf.dispose([ya, yb]);
  a.dispose();
  b.dispose();
}

/**
 * Plain-loop correlation: out[n, i, j, o] = sum x[n, i*s + t - top, j*s + u - left, c] *
 * k[t, u, c, o], zero outside the input. x [N, H, W, C], k [kh, kw, C, O].
 */
export function referenceConv2d(x: tf.Tensor4D, k: tf.Tensor4D, stride: number, pad: { top: number; left: number }, outSize: [number, number]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [kh, kw, , o] = k.shape;
  const xv = x.dataSync();
  const kv = k.dataSync();
  const [oh, ow] = outSize;
  const out = new Float32Array(n * oh * ow * o);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let q = 0; q < o; q++) {
          let acc = 0;
          for (let t = 0; t < kh; t++)
            for (let u = 0; u < kw; u++) {
              const r = i * stride + t - pad.top;
              const s = j * stride + u - pad.left;
              if (r < 0 || r >= h || s < 0 || s >= w) continue;
              for (let ci = 0; ci < c; ci++) acc += xv[((b * h + r) * w + s) * c + ci]! * kv[((t * kw + u) * c + ci) * o + q]!;
            }
          out[((b * oh + i) * ow + j) * o + q] = acc;
        }
  return tf.tensor4d(out, [n, oh, ow, o]);
}

/**
 * Plain-loop transposed convolution (the adjoint of {@link referenceConv2d}): input pixel
 * (i, j) adds x * k[t, u, o, c] to output (i*s + t - top, j*s + u - left). x [N, H, W, C],
 * k [kh, kw, O, C].
 */
export function referenceConvTranspose2d(
  x: tf.Tensor4D,
  k: tf.Tensor4D,
  stride: number,
  pad: { top: number; left: number },
  outSize: [number, number],
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [kh, kw, o] = k.shape;
  const xv = x.dataSync();
  const kv = k.dataSync();
  const [oh, ow] = outSize;
  const out = new Float32Array(n * oh * ow * o);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let t = 0; t < kh; t++)
          for (let u = 0; u < kw; u++) {
            const r = i * stride + t - pad.top;
            const s = j * stride + u - pad.left;
            if (r < 0 || r >= oh || s < 0 || s >= ow) continue;
            for (let q = 0; q < o; q++)
              for (let ci = 0; ci < c; ci++) {
                const at = ((b * oh + r) * ow + s) * o + q;
                out[at] = out[at]! + xv[((b * h + i) * w + j) * c + ci]! * kv[((t * kw + u) * o + q) * c + ci]!;
              }
          }
  return tf.tensor4d(out, [n, oh, ow, o]);
}
