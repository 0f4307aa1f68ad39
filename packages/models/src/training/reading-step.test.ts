import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { runReadingStep, runReadingStepAsync, seededStep, type ReadingStep } from './reading-step.js';
import { SeededRandom } from './rng.js';

/** Draws from Math.random before and after each of two reads, and reads a tensor built from the draws. */
function* drawing(log: number[]): ReadingStep<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    out.push(Math.random());
    const t = tf.scalar(out[out.length - 1]! * 10);
    try {
      const [v] = yield [t];
      out.push(v!);
    } finally {
      t.dispose();
    }
    log.push(Math.random());
  }
  return out;
}

describe('ReadingStep drivers', () => {
  it('read what the step yields, synchronously and asynchronously alike, and leak nothing', async () => {
    const before = tf.memory().numTensors;
    const a = runReadingStep(seededStep(new SeededRandom(7), drawing([])));
    const b = await runReadingStepAsync(seededStep(new SeededRandom(7), drawing([])));
    expect(b).toEqual(a);
    expect(a[1]).toBeCloseTo(a[0]! * 10, 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('seededStep patches Math.random only while the step runs: not across a read, where other code runs', async () => {
    const original = Math.random;
    const rng = new SeededRandom(3);
    const expected = new SeededRandom(3);
    const log: number[] = [];
    const step = seededStep(rng, drawing(log));
    // A driver that checks, at each read, that Math.random is the process's own, and uses it (as other code would).
    let r = step.next();
    let reads = 0;
    while (!r.done) {
      expect(Math.random).toBe(original);
      Math.random();
      await Promise.resolve();
      r = step.next(await Promise.all(r.value.map(async (t) => (await t.data())[0]!)));
      reads++;
    }
    expect(reads).toBe(2);
    expect(Math.random).toBe(original);
    // The step's four draws are the seeded stream's first four, in order, whatever ran between.
    const draws = [r.value[0], log[0], r.value[2], log[1]];
    expect(draws).toEqual([expected.next(), expected.next(), expected.next(), expected.next()]);
  });

  it('a failed read is thrown into the step, which frees its tensors, and out of the driver', async () => {
    const before = tf.memory().numTensors;
    const freed: boolean[] = [];
    function* failing(): ReadingStep<number> {
      const kept = tf.scalar(1);
      const gone = tf.scalar(2);
      gone.dispose();
      try {
        yield [kept, gone];
        return 0;
      } finally {
        kept.dispose();
        freed.push(true);
      }
    }
    expect(() => runReadingStep(failing())).toThrow(/disposed/);
    await expect(runReadingStepAsync(failing())).rejects.toThrow(/disposed/);
    expect(freed).toEqual([true, true]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('seededStep stopped early lets the inner step clean up, and restores Math.random', () => {
    const original = Math.random;
    const before = tf.memory().numTensors;
    const step = seededStep(new SeededRandom(1), drawing([]));
    step.next();
    step.return([]);
    expect(Math.random).toBe(original);
    expect(tf.memory().numTensors).toBe(before);
  });
});
