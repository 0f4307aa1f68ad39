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

  it('leaks no tensors', async () => {
    await setBackend('wasm');
    const x = tf.randomNormal([2, 7, 6, 3]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const ft = tf.randomNormal([3, 3, 5, 3]) as tf.Tensor4D;
    const start = tf.memory().numTensors;
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, f]);
    tf.dispose(g);
    conv2dTranspose(x, ft, [2, 14, 12, 5], 2, 'same').dispose();
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, f, ft]);
  });
});
