import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core/errors';
import { stopGradient } from '@ncomp/core';
import type { Distribution } from './distribution.js';

/**
 * The quantization offset of a prior (TFC's `helpers.quantization_offset`): values are
 * quantized as `round(x - o) + o` so that a bin centre falls on the mode. Tries, in
 * turn, the distribution's own hook, `mode()`, `quantile(0.5)`, `mean()`, else 0; the
 * result is reduced to [-1/2, 1/2] (`o - round(o)`) and carries no gradient.
 *
 * @returns A tensor broadcastable to the batch shape.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { Normal, quantizationOffset } from '@ncomp/entropy';
 *
 * await setBackend('auto');
 * const loc = tf.tensor1d([0.3, 2.75, -1]);
 * const prior = new Normal(loc, 1); // modes 0.3, 2.75 and -1
 * const offset = quantizationOffset(prior);
 * // Values are quantized to round(x - o) + o: the grid ..., -0.7, 0.3, 1.3, ... for the first
 * // distribution, so that its mode is a bin centre.
 * const expected = [0.3, -0.25, 0];
 * (await offset.data()).forEach((o, i) => assert.ok(Math.abs(o - expected[i]!) < 1e-6));
 * tf.dispose([loc, offset]);
 * ```
 */
export function quantizationOffset(distribution: Distribution): tf.Tensor {
  return tf.tidy(() => {
    const raw =
      distribution.quantizationOffset?.() ??
      distribution.mode?.() ??
      distribution.quantile?.(0.5) ??
      distribution.mean?.() ??
      tf.zeros([...distribution.batchShape]);
    const fixed = stopGradient(raw);
    return tf.sub(fixed, tf.round(fixed));
  });
}

/**
 * A lower cut-off with about `tailMass / 2` of probability below it (TFC's
 * `helpers.lower_tail`): the distribution's hook, else `quantile(tailMass / 2)`, else a
 * bisection on `logCdf` (the numerical fallback when no closed form exists).
 *
 * @throws InvalidArgumentError for a tail mass outside (0, 1) or a distribution with
 *   none of these.
 *
 * @example
 * A distribution given only by its density and log-CDF / log-survival functions (here the
 * standard logistic, whose CDF is the sigmoid): both tails come from the bisection.
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { lowerTail, upperTail, type Distribution } from '@ncomp/entropy';
 *
 * await setBackend('auto');
 * const logistic: Distribution = {
 *   batchShape: [],
 *   logProb: (x) => tf.tidy(() => tf.neg(tf.add(tf.softplus(x), tf.softplus(tf.neg(x))))),
 *   prob: (x) => tf.tidy(() => tf.exp(logistic.logProb(x))),
 *   logCdf: (x) => tf.tidy(() => tf.neg(tf.softplus(tf.neg(x)))),
 *   logSurvival: (x) => tf.tidy(() => tf.neg(tf.softplus(x))),
 * };
 * const tailMass = 2 ** -8; // TFC's default: 1/512 of the mass below, 1/512 above
 * const lo = lowerTail(logistic, tailMass);
 * const hi = upperTail(logistic, tailMass);
 * const exact = Math.log(511); // the logistic quantile of 1 - 1/512
 * assert.ok(Math.abs((await lo.data())[0]! + exact) < 1e-4);
 * assert.ok(Math.abs((await hi.data())[0]! - exact) < 1e-4);
 * tf.dispose([lo, hi]);
 * ```
 */
export function lowerTail(distribution: Distribution, tailMass: number): tf.Tensor {
  checkTailMass(tailMass);
  if (distribution.lowerTail) return distribution.lowerTail(tailMass);
  if (distribution.quantile) return distribution.quantile(tailMass / 2);
  const logCdf = distribution.logCdf?.bind(distribution);
  if (!logCdf) {
    throw new InvalidArgumentError('the distribution needs lowerTail(), quantile() or logCdf() to locate its lower tail');
  }
  return solveMonotone(logCdf, Math.log(tailMass / 2), distribution.batchShape, true);
}

/**
 * An upper cut-off with about `tailMass / 2` of probability above it: the hook, else
 * `quantile(1 - tailMass / 2)`, else a bisection on `logSurvival`.
 */
export function upperTail(distribution: Distribution, tailMass: number): tf.Tensor {
  checkTailMass(tailMass);
  if (distribution.upperTail) return distribution.upperTail(tailMass);
  if (distribution.quantile) return distribution.quantile(1 - tailMass / 2);
  const logSurvival = distribution.logSurvival?.bind(distribution);
  if (!logSurvival) {
    throw new InvalidArgumentError('the distribution needs upperTail(), quantile() or logSurvival() to locate its upper tail');
  }
  return solveMonotone(logSurvival, Math.log(tailMass / 2), distribution.batchShape, false);
}

/**
 * {@link lowerTail} for every backend: the distribution's asynchronous hook
 * (`lowerTailAsync`), else its synchronous one, else `quantile(tailMass / 2)`, else
 * {@link solveMonotoneAsync} on `logCdf`. Reads nothing synchronously unless a
 * distribution's own synchronous `lowerTail` hook does.
 *
 * @throws InvalidArgumentError as {@link lowerTail}.
 */
export async function lowerTailAsync(distribution: Distribution, tailMass: number): Promise<tf.Tensor> {
  checkTailMass(tailMass);
  if (distribution.lowerTailAsync) return distribution.lowerTailAsync(tailMass);
  if (distribution.lowerTail || distribution.quantile) return lowerTail(distribution, tailMass);
  const logCdf = distribution.logCdf?.bind(distribution);
  if (!logCdf) {
    throw new InvalidArgumentError('the distribution needs lowerTail(), quantile() or logCdf() to locate its lower tail');
  }
  return solveMonotoneAsync(logCdf, Math.log(tailMass / 2), distribution.batchShape, true);
}

/**
 * {@link upperTail} for every backend, as {@link lowerTailAsync}: `upperTailAsync`, else
 * `upperTail`, else `quantile(1 - tailMass / 2)`, else {@link solveMonotoneAsync} on `logSurvival`.
 *
 * @throws InvalidArgumentError as {@link upperTail}.
 */
export async function upperTailAsync(distribution: Distribution, tailMass: number): Promise<tf.Tensor> {
  checkTailMass(tailMass);
  if (distribution.upperTailAsync) return distribution.upperTailAsync(tailMass);
  if (distribution.upperTail || distribution.quantile) return upperTail(distribution, tailMass);
  const logSurvival = distribution.logSurvival?.bind(distribution);
  if (!logSurvival) {
    throw new InvalidArgumentError('the distribution needs upperTail(), quantile() or logSurvival() to locate its upper tail');
  }
  return solveMonotoneAsync(logSurvival, Math.log(tailMass / 2), distribution.batchShape, false);
}

function checkTailMass(tailMass: number): void {
  if (!(tailMass > 0 && tailMass < 1)) throw new InvalidArgumentError(`tailMass must be in (0, 1), found ${tailMass}`);
}

/**
 * Solves `f(x) = target` element-wise over `shape` for a monotone `f` (increasing when
 * `increasing`), by bracketing with doubling steps then bisection to float32 resolution.
 * This replaces TFC's Adam-based `estimate_tails` with a method that always converges.
 *
 * Reads `f`'s values synchronously (`dataSync`): it works on the backends that can (cpu,
 * wasm, tensorflow, webgl), not on webgpu; {@link solveMonotoneAsync} works on all.
 *
 * @throws InvalidArgumentError when no bracket is found within +-2^60.
 */
export function solveMonotone(f: (x: tf.Tensor) => tf.Tensor, target: number, shape: readonly number[], increasing: boolean): tf.Tensor {
  const search = bisection(target, shape, increasing);
  for (let step = search.next(); ;) {
    if (step.done) return step.value;
    const x = step.value;
    step = search.next(tf.tidy(() => f(tf.tensor(Float32Array.from(x), [...shape])).dataSync() as Float32Array));
  }
}

/**
 * {@link solveMonotone} with asynchronous reads (`await data()`): the same search, the same
 * result, on every backend (WebGPU included).
 *
 * @throws InvalidArgumentError when no bracket is found within +-2^60.
 */
export async function solveMonotoneAsync(f: (x: tf.Tensor) => tf.Tensor, target: number, shape: readonly number[], increasing: boolean): Promise<tf.Tensor> {
  const search = bisection(target, shape, increasing);
  for (let step = search.next(); ;) {
    if (step.done) return step.value;
    const x = step.value;
    const fx = tf.tidy(() => f(tf.tensor(Float32Array.from(x), [...shape])));
    try {
      step = search.next((await fx.data()) as Float32Array);
    } finally {
      fx.dispose();
    }
  }
}

/**
 * The search of {@link solveMonotone} as a generator, apart from how `f` is evaluated: it
 * yields the points where it needs `f` and is resumed with `f`'s values there (so the
 * synchronous and asynchronous solvers share one search). Returns the solution tensor.
 */
function* bisection(target: number, shape: readonly number[], increasing: boolean): Generator<Float64Array, tf.Tensor, Float32Array> {
  const size = shape.reduce((a, b) => a * b, 1);
  // below(v): the solution lies above this x.
  const below = (v: number): boolean => (increasing ? v < target : v > target);
  const lo = new Float64Array(size).fill(-1);
  const hi = new Float64Array(size).fill(1);
  for (let step = 0; ; step++) {
    const flo = yield lo;
    const fhi = yield hi;
    let done = true;
    for (let i = 0; i < size; i++) {
      if (!below(flo[i]!)) {
        lo[i] = lo[i]! * 2;
        done = false;
      }
      if (below(fhi[i]!)) {
        hi[i] = hi[i]! * 2;
        done = false;
      }
    }
    if (done) break;
    if (step > 60) throw new InvalidArgumentError('could not bracket the tail: the distribution may be degenerate or NaN');
  }
  for (let iter = 0; iter < 80; iter++) {
    const mid = lo.map((l, i) => (l + hi[i]!) / 2);
    const fm = yield mid;
    let converged = true;
    for (let i = 0; i < size; i++) {
      if (below(fm[i]!)) lo[i] = mid[i]!;
      else hi[i] = mid[i]!;
      if (hi[i]! - lo[i]! > 1e-6 * Math.max(1, Math.abs(mid[i]!))) converged = false;
    }
    if (converged) break;
  }
  return tf.tensor(
    Float32Array.from(lo, (l, i) => (l + hi[i]!) / 2),
    [...shape],
  );
}
