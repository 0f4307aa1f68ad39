// The layers on the webgpu backend (tfjs-backend-webgpu on Dawn), compared with the cpu
// backend. Its own file, so its own process and backend. Runs only where Dawn finds an
// adapter (a GPU with a Vulkan driver, or Mesa 25's lavapipe; see docs/backends.md);
// elsewhere, CI included, the tests are skipped with the reason printed. Results are read
// with `await data()`: GPU tensors cannot be read synchronously in Node.js.
import type { Module } from '@ncomp/core';
import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Conv2d } from './conv/conv2d.js';
import { ConvTranspose2d } from './conv/conv-transpose2d.js';
import { ElicAnalysis } from './elic/elic-analysis.js';
import { GDN, IGDN } from './gdn/gdn.js';
import { ChannelNorm } from './hific/channel-norm.js';
import { expectClose } from './test-helpers.js';

const probe = await setBackend('webgpu').then(
  () => undefined,
  (error: unknown) => (error instanceof Error ? error.message : String(error)),
);
if (probe !== undefined) console.warn(`webgpu-backend.test.ts skipped: ${probe.split('. ')[0]}`);

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

type Weights = ReadonlyArray<readonly [string, number[], Float32Array]>;

/** The layer's variables as plain arrays (read asynchronously). */
async function weightsOf(layer: Module): Promise<Weights> {
  return Promise.all([...layer.namedVariables()].map(async ([k, v]) => [k, v.shape, (await v.data()) as Float32Array] as const));
}

/**
 * Builds the layer on `backend`, gives it `weights` (those of the first build when
 * undefined), and returns its output for `input` and, with `grads`, the gradients of
 * sum(y^2) with respect to its trainable variables, as arrays.
 */
async function run(
  backend: 'cpu' | 'webgpu',
  build: () => Module & { call(x: tf.Tensor): tf.Tensor },
  shape: number[],
  weights: Weights | undefined,
  grads = false,
): Promise<{ weights: Weights; out: Float32Array[] }> {
  await setBackend(backend);
  const before = tf.memory().numTensors;
  const layer = build();
  if (weights !== undefined) {
    const dict = Object.fromEntries(weights.map(([k, s, v]) => [k, tf.tensor(v, s)]));
    layer.loadStateDict(dict);
    tf.dispose(Object.values(dict));
  }
  const used = await weightsOf(layer);
  const x = tf.tensor(
    values(
      shape.reduce((a, b) => a * b, 1),
      11,
    ),
    shape,
  );
  const outputs: tf.Tensor[] = [];
  if (grads) {
    const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.square(layer.call(x))) as tf.Scalar, layer.trainableVariables());
    outputs.push(
      value,
      ...Object.keys(g)
        .sort()
        .map((k) => g[k]!),
    );
  } else {
    outputs.push(layer.call(x));
  }
  const out = await Promise.all(outputs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, ...outputs]);
  layer.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return { weights: used, out };
}

async function compare(build: () => Module & { call(x: tf.Tensor): tf.Tensor }, shape: number[], grads = false, tol = 1e-4): Promise<void> {
  const ref = await run('cpu', build, shape, undefined, grads);
  const got = await run('webgpu', build, shape, ref.weights, grads);
  expect(got.out.length).toBe(ref.out.length);
  got.out.forEach((o, i) => expectClose(o, ref.out[i]!, tol, tol));
}

describe.skipIf(probe !== undefined)('layers on the webgpu backend match the cpu backend', () => {
  it.each(['same', 'same_zeros'] as const)('Conv2d and ConvTranspose2d (%s), forward', async (padding) => {
    await compare(() => new Conv2d(3, 8, 5, { stride: 2, padding }), [2, 13, 17, 3]);
    await compare(() => new ConvTranspose2d(8, 3, 5, { stride: 2, padding }), [2, 7, 9, 8]);
  });

  it('GDN, IGDN, ChannelNorm and a small ELIC analysis, forward', async () => {
    await compare(() => new GDN(6), [1, 9, 11, 6]);
    await compare(() => new IGDN(6), [1, 9, 11, 6]);
    await compare(() => new ChannelNorm(6), [1, 9, 11, 6]);
    await compare(() => new ElicAnalysis({ channels: [8, 8, 8, 12], numResidualBlocks: 1 }), [1, 33, 47, 3], false, 2e-4);
  });

  it.each(['same', 'same_zeros'] as const)('ConvTranspose2d and Conv2d (%s), gradients', async (padding) => {
    await compare(() => new ConvTranspose2d(4, 3, 5, { stride: 2, padding }), [2, 5, 7, 4], true, 1e-3);
    await compare(() => new Conv2d(3, 4, 5, { stride: 2, padding }), [2, 10, 14, 3], true, 1e-3);
  });

  it('GDN, gradients', async () => {
    await compare(() => new GDN(4), [2, 6, 7, 4], true, 1e-3);
  });
});
