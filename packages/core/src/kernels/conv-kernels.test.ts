import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { setBackend } from '../backend/index.js';
import { conv2dTranspose } from './conv2d-transpose.js';
import '../register-gradients.js';

/** Runs `f` on a backend and returns plain arrays. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await setBackend(backend);
  return tf.tidy(f).map((t) => {
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  });
}

function close(a: Float32Array, b: Float32Array, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  expect(worst).toBeLessThan(tol);
}

afterAll(async () => {
  await setBackend('cpu');
});

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
  ci: fc.integer({ min: 1, max: 3 }),
  co: fc.integer({ min: 1, max: 3 }),
  k: fc.integer({ min: 1, max: 5 }),
  s: fc.integer({ min: 1, max: 3 }),
  padding: fc.constantFrom('same' as const, 'valid' as const),
  seed: fc.integer({ min: 1, max: 1000 }),
});

describe('Conv2D gradients through forward convolutions (wasm) match the cpu backend', () => {
  it('for random shapes, kernels, strides and paddings', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ n, h, w, ci, co, k, s, padding, seed }) => {
        fc.pre(padding === 'same' || (h >= k && w >= k));
        const run = () => {
          const x = tf.randomNormal([n, h, w, ci], 0, 1, 'float32', seed) as tf.Tensor4D;
          const f = tf.randomNormal([k, k, ci, co], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
          const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
            const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, padding);
            return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size, 1, 'float32').reshape(y.shape))));
          })([x, f]);
          return [gx!, gf!];
        };
        const [cx, cf] = await on('cpu', run);
        const [wx, wf] = await on('wasm', run);
        close(wx!, cx!, 1e-4);
        close(wf!, cf!, 1e-4);
      }),
      { numRuns: 60 },
    );
  });

  it('conv2dTranspose equals tf.conv2dTranspose (cpu) for random shapes', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ n, h, w, ci, co, k, s, seed }) => {
        const outShape = [n, h * s, w * s, co] as [number, number, number, number];
        const x = () => tf.randomNormal([n, h, w, ci], 0, 1, 'float32', seed) as tf.Tensor4D;
        const f = () => tf.randomNormal([k, k, co, ci], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
        const [ref] = await on('cpu', () => [tf.conv2dTranspose(x(), f(), outShape, s, 'same')]);
        const [ours] = await on('wasm', () => [conv2dTranspose(x(), f(), outShape, s, 'same')]);
        close(ours!, ref!, 1e-4);
      }),
      { numRuns: 60 },
    );
  });

  it('patch convolutions (kernel = stride, no padding) take the matrix-product path and match the cpu backend, gradients included', async () => {
    const patchArb = fc.record({
      n: fc.integer({ min: 1, max: 2 }),
      ph: fc.integer({ min: 1, max: 3 }),
      pw: fc.integer({ min: 1, max: 3 }),
      ci: fc.integer({ min: 1, max: 4 }),
      co: fc.integer({ min: 1, max: 4 }),
      k: fc.constantFrom(1, 2, 3, 4, 8),
      padding: fc.constantFrom('same' as const, 'valid' as const),
      seed: fc.integer({ min: 1, max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(patchArb, async ({ n, ph, pw, ci, co, k, padding, seed }) => {
        const [h, w] = [ph * k, pw * k];
        const weights = (t: tf.Tensor) => tf.sin(tf.range(0, t.size, 1, 'float32').reshape(t.shape));
        const run = (transpose: (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D) => () => {
          const x = tf.randomNormal([n, h, w, ci], 0, 1, 'float32', seed) as tf.Tensor4D;
          const f = tf.randomNormal([k, k, ci, co], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
          const z = tf.randomNormal([n, ph, pw, ci], 0, 1, 'float32', seed + 2) as tf.Tensor4D;
          const ft = tf.randomNormal([k, k, co, ci], 0, 1, 'float32', seed + 3) as tf.Tensor4D;
          const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
            const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, k, padding);
            return tf.sum(tf.mul(y, weights(y)));
          })([x, f]);
          const t = transpose(z, ft);
          const [gz, gft] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
            const y = transpose(a as tf.Tensor4D, b as tf.Tensor4D);
            return tf.sum(tf.mul(y, weights(y)));
          })([z, ft]);
          return [gx!, gf!, t, gz!, gft!];
        };
        const shape = [n, h, w, co] as [number, number, number, number];
        const ref = await on('cpu', run((a, b) => tf.conv2dTranspose(a, b, shape, k, padding)));
        const ours = await on('wasm', run((a, b) => conv2dTranspose(a, b, shape, k, padding)));
        ref.forEach((r, i) => close(ours[i]!, r, 1e-4));
      }),
      { numRuns: 40 },
    );
  });

  it('runs a patch transposed convolution and the patch conv gradients without any convolution kernel on wasm', async () => {
    await setBackend('wasm');
    const z = tf.randomNormal([2, 3, 4, 6]) as tf.Tensor4D;
    const f = tf.randomNormal([8, 8, 3, 6]) as tf.Tensor4D;
    const prof = await tf.profile(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 24, 32, 3], 8, 'valid')))([z, f]);
      tf.dispose(g);
    });
    expect(prof.kernelNames.filter((k) => k.startsWith('Conv2D'))).toEqual([]);
    const x = tf.randomNormal([2, 24, 32, 3]) as tf.Tensor4D;
    const fc2 = tf.randomNormal([8, 8, 3, 6]) as tf.Tensor4D;
    const prof2 = await tf.profile(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 8, 'valid')))([x, fc2]);
      tf.dispose(g);
    });
    expect(prof2.kernelNames.filter((k) => k.startsWith('Conv2D'))).toEqual(['Conv2D']); // the forward pass only
    tf.dispose([z, f, x, fc2]);
  });

  it('leaks no tensors', async () => {
    await setBackend('wasm');
    const x = tf.randomNormal([2, 7, 6, 3]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const ft = tf.randomNormal([3, 3, 5, 3]) as tf.Tensor4D;
    const start = tf.memory().numTensors;
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, f]);
    tf.dispose(g);
    conv2dTranspose(x, ft, [2, 14, 12, 5], 2, 'same').dispose();
    const fp = tf.randomNormal([2, 2, 3, 4]) as tf.Tensor4D;
    const xp = tf.randomNormal([2, 8, 6, 3]) as tf.Tensor4D;
    tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid')))([xp, fp]));
    tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(conv2dTranspose(a as tf.Tensor4D, ft.slice([0, 0, 0, 0], [2, 2, 5, 3]), [2, 14, 12, 5], 2, 'valid')))([x]));
    tf.dispose([fp, xp]);
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, f, ft]);
  });
});
