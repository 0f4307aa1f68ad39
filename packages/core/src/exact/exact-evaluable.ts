import type * as tf from '@tensorflow/tfjs-core';
import { startGemmThreads } from './wasm/gemm-threads.js';
import { InvalidArgumentError } from '../errors/index.js';
import type { ExactMap } from './exact-map.js';

/**
 * A forward pass evaluated deterministically: the same output bits on every TF.js backend,
 * JavaScript engine and processor, because it runs on plain arrays in a fixed order instead
 * of on the backend: convolutions and dense layers as float32 products summed sequentially
 * ({@link exactConv2d}, a WebAssembly SIMD kernel or its JavaScript reference), the rest in
 * float64 JavaScript with engine-independent elementary functions (see `docs/backends.md`,
 * "Portable bitstreams"). What entropy models need to pick identical tables in encoder and
 * decoder.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { exactMap, setBackend } from '@ncomp/core';
 * import { Conv2d, Sequential, relu } from '@ncomp/layers';
 *
 * await setBackend('wasm');
 * const hs = new Sequential([new Conv2d(8, 16, 3, { padding: 'same_zeros' }), relu]);
 * const twin = await hs.exact(); // reads the weights once
 * const out = twin(exactMap(4, 6, 8)); // 4 x 6 x 16, the same bits on every backend and engine
 * assert.deepEqual([out.height, out.width, out.channels], [4, 6, 16]);
 * hs.dispose();
 * ```
 */
export type ExactFn = (x: ExactMap) => ExactMap;

/**
 * A module whose forward pass has a deterministic twin: `exact()` reads its weights (once,
 * asynchronously, so any backend works) and returns a pure function of the input. Every
 * module that computes entropy parameters (hyper-synthesis, ChARM transforms) implements
 * it; the twin agrees with `call` within float32 rounding.
 */
export interface ExactEvaluable {
  /** Reads the weights and returns the deterministic forward pass. */
  exact(): Promise<ExactFn>;
}

/** Whether `m` has a deterministic forward pass ({@link ExactEvaluable}). */
export function isExactEvaluable(m: unknown): m is ExactEvaluable {
  return typeof m === 'object' && m !== null && typeof (m as { exact?: unknown }).exact === 'function';
}

/**
 * The deterministic forward pass of `m`.
 * @param role - What `m` is, for the error (e.g. "hyperSynthesis").
 * @throws InvalidArgumentError when `m` is not {@link ExactEvaluable}: its bitstreams could
 *   not be decoded identically on every backend.
 */
export async function exactOf(role: string, m: unknown): Promise<ExactFn> {
  if (!isExactEvaluable(m)) {
    const name = typeof m === 'object' && m !== null ? m.constructor.name : typeof m;
    throw new InvalidArgumentError(
      `${role} (${name}) has no deterministic evaluation (an exact() method): entropy parameters computed with it would differ between backends; build it from layers that have one (Conv2d, ConvTranspose2d, Dense, Sequential with relu / leakyRelu, Swin stages) or implement ExactEvaluable`,
    );
  }
  // The deterministic products run on every core in Node.js (bit-identical to one thread).
  await startGemmThreads();
  return m.exact();
}

/** Values already read, by the tensor's data (a variable gets new data on every `assign`). */
const readCache = new WeakMap<object, Float64Array>();

/**
 * A tensor's values as float64 (exact: every float32 is a float64), read asynchronously.
 * Cached by the tensor's data: a variable's weights are read once until it is assigned
 * again (training), and the same array comes back, so what is derived from it (packed
 * kernels) is cached too. Treat the result as read-only.
 */
export async function readExact(t: tf.Tensor): Promise<Float64Array> {
  const key = t.dataId as object;
  const hit = readCache.get(key);
  if (hit) return hit;
  const values = Float64Array.from((await t.data()) as Float32Array);
  readCache.set(key, values);
  return values;
}

/** A step of a layer stack with a deterministic twin (e.g. `relu`): a function with an `exact` property. */
export type ExactStepFunction = ((x: tf.Tensor) => tf.Tensor) & {
  /** The deterministic twin of the function. */
  readonly exact: ExactFn;
};
