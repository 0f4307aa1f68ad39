import type * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from './rng.js';

/**
 * A computation that needs tensor values on its way (a training step: gradient norms for
 * clipping, losses for the report), written once for synchronous and asynchronous reads:
 * a generator that yields the scalar tensors it needs read and receives their values, in
 * the same order (the first element of each). The generator owns what it yields and
 * disposes it. Two drivers run it:
 *
 * - {@link runReadingStep} reads with `dataSync`: the cpu, wasm, webgl and tensorflow
 *   backends;
 * - {@link runReadingStepAsync} reads with `await tensor.data()`: every backend, webgpu
 *   included (whose GPU tensors cannot be read synchronously).
 *
 * Both run the same code in the same order, so on one backend they compute the same numbers.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { runReadingStep, runReadingStepAsync, type ReadingStep } from '@ncomp/models';
 *
 * await setBackend('auto');
 * // The sum of squares of a vector, and whether it exceeds 10.
 * function* sumOfSquares(x: tf.Tensor1D): ReadingStep<{ sum: number; large: boolean }> {
 *   const s = tf.sum(tf.square(x));
 *   try {
 *     const [sum] = yield [s];
 *     return { sum: sum!, large: sum! > 10 };
 *   } finally {
 *     s.dispose();
 *   }
 * }
 * const x = tf.tensor1d([1, 2, 3]);
 * assert.deepEqual(runReadingStep(sumOfSquares(x)), { sum: 14, large: true });
 * assert.deepEqual(await runReadingStepAsync(sumOfSquares(x)), { sum: 14, large: true });
 * x.dispose();
 * ```
 */
export type ReadingStep<T> = Generator<readonly tf.Tensor[], T, readonly number[]>;

/**
 * Runs a {@link ReadingStep}, reading what it yields with `dataSync`: on every backend that
 * can read synchronously (cpu, wasm, webgl, tensorflow), not on webgpu
 * ({@link runReadingStepAsync} runs everywhere).
 * @returns What the step returns.
 * @throws Whatever the step throws; a failed read is thrown into the step (so its `finally`
 *   blocks free its tensors) and out of here.
 */
export function runReadingStep<T>(step: ReadingStep<T>): T {
  let r = step.next();
  while (!r.done) {
    let values: number[];
    try {
      values = r.value.map((t) => t.dataSync()[0]!);
    } catch (err) {
      r = step.throw(err);
      continue;
    }
    r = step.next(values);
  }
  return r.value;
}

/**
 * Runs a {@link ReadingStep}, reading what it yields with `await tensor.data()` (all the
 * tensors of one yield at once): on every backend, webgpu included.
 * @returns What the step returns.
 * @throws Whatever the step throws; a failed read is thrown into the step (so its `finally`
 *   blocks free its tensors) and out of here.
 */
export async function runReadingStepAsync<T>(step: ReadingStep<T>): Promise<T> {
  let r = step.next();
  while (!r.done) {
    let values: number[];
    try {
      values = await Promise.all(r.value.map(async (t) => (await t.data())[0]!));
    } catch (err) {
      r = step.throw(err);
      continue;
    }
    r = step.next(values);
  }
  return r.value;
}

/** Runs `f` with `Math.random` drawing from `rng` (TF.js seeds its unseeded random ops from Math.random). */
export function withSeededMathRandom<T>(rng: SeededRandom, f: () => T): T {
  const saved = Math.random;
  Math.random = () => rng.next();
  try {
    return f();
  } finally {
    Math.random = saved;
  }
}

/**
 * `step` with `Math.random` drawing from `rng` (see {@link withSeededMathRandom}) while the
 * step's own code runs, and only then: the global is restored before every yield and
 * patched again when the step resumes. So the patch never spans a read (an `await` in
 * {@link runReadingStepAsync}), during which other code runs and would otherwise draw from
 * the trainer's stream, or save and later "restore" the patched function; and the step
 * draws exactly the same numbers whichever driver runs it.
 */
export function* seededStep<T>(rng: SeededRandom, step: ReadingStep<T>): ReadingStep<T> {
  let r = withSeededMathRandom(rng, () => step.next());
  try {
    while (!r.done) {
      let values: readonly number[];
      try {
        values = yield r.value;
      } catch (err) {
        r = withSeededMathRandom(rng, () => step.throw(err));
        continue;
      }
      r = withSeededMathRandom(rng, () => step.next(values));
    }
    return r.value;
  } finally {
    // Stopped early from outside (`return()`): let the step free its tensors too.
    if (!r.done) withSeededMathRandom(rng, () => step.return(undefined as T));
  }
}
