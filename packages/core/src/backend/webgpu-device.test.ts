// The real WebGPU backend (tfjs-backend-webgpu on Dawn from the `webgpu` package), in its own
// file (its own process). Runs only where Dawn finds an adapter: a GPU with a Vulkan driver,
// or a software Vulkan such as Mesa 25's lavapipe (see docs/backends.md). Elsewhere, CI
// included, every test here is skipped with the reason printed.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../errors/index.js';
import { conv2dTranspose } from '../kernels/index.js';
import { describeBackend, setBackend } from './index.js';
import '../register-gradients.js';

const probe = await setBackend('webgpu').then(
  (report) => ({ ok: true as const, report }),
  (error: unknown) => ({ ok: false as const, why: error instanceof Error ? error.message : String(error) }),
);
if (!probe.ok) console.warn(`webgpu-device.test.ts skipped: ${probe.why.split('. ')[0]}`);

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

type Inputs = ReadonlyArray<{ readonly shape: number[]; readonly seed: number }>;

/**
 * Runs `f` on fresh tensors made from the same numbers on `backend`, and reads the
 * outputs with `await data()` (GPU tensors cannot be read synchronously in Node.js).
 */
async function on(backend: 'cpu' | 'webgpu', inputs: Inputs, f: (...xs: tf.Tensor[]) => tf.Tensor[]): Promise<Float32Array[]> {
  await setBackend(backend);
  const before = tf.memory().numTensors;
  const xs = inputs.map(({ shape, seed }) =>
    tf.tensor(
      values(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      shape,
    ),
  );
  const ys = tf.tidy(() => f(...xs));
  const out = await Promise.all(ys.map(async (y) => (await y.data()) as Float32Array));
  tf.dispose([...xs, ...ys]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  }
  expect(worst).toBeLessThan(tol);
}

async function compare(inputs: Inputs, f: (...xs: tf.Tensor[]) => tf.Tensor[], tol = 1e-4): Promise<void> {
  const want = await on('cpu', inputs, f);
  const got = await on('webgpu', inputs, f);
  expect(tf.getBackend()).toBe('webgpu');
  got.forEach((g, i) => expectClose(g, want[i]!, tol));
}

describe.skipIf(!probe.ok)('the webgpu backend on a real adapter', () => {
  it('is active and describes its adapter', () => {
    if (!probe.ok) return;
    expect(probe.report.chosen).toBe('webgpu');
    expect(describeBackend().webgpu).toBeDefined();
  });

  it('conv2d and matMul match the cpu backend', async () => {
    await compare(
      [
        { shape: [2, 17, 23, 8], seed: 1 },
        { shape: [3, 3, 8, 16], seed: 2 },
        { shape: [64, 48], seed: 3 },
        { shape: [48, 40], seed: 4 },
      ],
      (x, f, a, b) => [tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'), tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)],
    );
  });

  it('addN of more inputs than a shader can bind (a global gradient norm over 30 parameters) matches the cpu backend', async () => {
    // TF.js's own webgpu AddN binds every input: past the device's storage-buffer limit its
    // pipeline is invalid and the result garbage; ncomp's replacement sums in groups.
    const inputs = Array.from({ length: 30 }, (_, i) => ({ shape: [3, 5], seed: 40 + i }));
    await compare(inputs, (...xs) => [tf.addN(xs), tf.addN(xs.slice(0, 3)), tf.addN(xs.map((x) => tf.sum(tf.square(x))))]);
  });

  it("@ncomp/core's conv2dTranspose takes TF.js's own kernel here (the wasm-only path stays off)", async () => {
    const inputs = [
      { shape: [1, 9, 11, 6], seed: 5 },
      { shape: [5, 5, 4, 6], seed: 6 },
    ];
    const outShape: [number, number, number, number] = [1, 18, 22, 4];
    const [ours] = await on('webgpu', inputs, (x, f) => [conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, outShape, 2, 'same')]);
    const [theirs] = await on('webgpu', inputs, (x, f) => [tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, outShape, 2, 'same')]);
    expect(Array.from(ours!)).toEqual(Array.from(theirs!));
    const [reference] = await on('cpu', inputs, (x, f) => [tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, outShape, 2, 'same')]);
    expectClose(ours!, reference!, 1e-4);
  });

  it('gradients of conv2d and conv2dTranspose (input and filter) match the cpu backend', async () => {
    await compare(
      [
        { shape: [2, 8, 10, 4], seed: 7 },
        { shape: [5, 5, 4, 6], seed: 8 },
        { shape: [2, 16, 20, 6], seed: 9 },
      ],
      (x, f, big) => {
        // One [5, 5, 6, 4] filter: conv2d maps 6 -> 4 channels (stride 2), its transpose 4 -> 6.
        const filter = tf.transpose(f!, [0, 1, 3, 2]);
        const conv = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([big!, filter]);
        const up = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 16, 20, 6], 2, 'same'))))([
          x!,
          filter,
        ]);
        return [...conv, ...up];
      },
      1e-3,
    );
  });

  it('a synchronous read of a GPU tensor fails with a clear error; await data() works', async () => {
    await setBackend('webgpu');
    const big = tf.add(tf.ones([4096]), 1);
    expect(() => big.dataSync()).toThrow(BackendUnavailableError);
    expect((await big.data())[4095]).toBe(2);
    big.dispose();
  });
});
