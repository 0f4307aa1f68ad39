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

function checkTailMass(tailMass: number): void {
  if (!(tailMass > 0 && tailMass < 1)) throw new InvalidArgumentError(`tailMass must be in (0, 1), found ${tailMass}`);
}

/**
 * Solves `f(x) = target` element-wise over `shape` for a monotone `f` (increasing when
 * `increasing`), by bracketing with doubling steps then bisection to float32 resolution.
 * This replaces TFC's Adam-based `estimate_tails` with a method that always converges.
 *
 * @throws InvalidArgumentError when no bracket is found within +-2^60.
 */
export function solveMonotone(f: (x: tf.Tensor) => tf.Tensor, target: number, shape: readonly number[], increasing: boolean): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const evaluate = (x: Float64Array): Float32Array => tf.tidy(() => f(tf.tensor(Float32Array.from(x), [...shape])).dataSync() as Float32Array);
  // below(v): the solution lies above this x.
  const below = (v: number): boolean => (increasing ? v < target : v > target);
  const lo = new Float64Array(size).fill(-1);
  const hi = new Float64Array(size).fill(1);
  for (let step = 0; ; step++) {
    const flo = evaluate(lo);
    const fhi = evaluate(hi);
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
    const fm = evaluate(mid);
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
