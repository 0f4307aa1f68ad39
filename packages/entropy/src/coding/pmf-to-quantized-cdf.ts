import { InvalidArgumentError } from '@ncomp/core/errors';
import { checkPrecision } from './precision.js';

/**
 * Converts a probability mass function into a quantized CDF for the entropy coders,
 * with the semantics of TensorFlow Compression's `pmf_to_quantized_cdf`.
 *
 * Each mass is scaled to a total of 2^precision and rounded to the nearest integer;
 * every symbol keeps a frequency of at least 1 (so every symbol stays codable). If the
 * rounded frequencies do not add up to 2^precision, they are adjusted one unit at a
 * time, each time at the symbol where the change costs the fewest expected bits:
 * a decrement at the symbol minimising `p * (log2 f - log2 (f - 1))` (never below 1), an
 * increment at the symbol maximising `p * (log2 (f + 1) - log2 f)`. This is the greedy
 * optimum for the expected code length of the quantized model.
 *
 * Unlike TFC, the masses are first divided by their sum, so an unnormalized PMF gives
 * the same table as its normalized form (TFC expects a PMF that already sums to 1).
 * Float arithmetic can differ between platforms: build tables once and ship the
 * integers with the model, as TFC does.
 *
 * @param pmf - Non-negative, finite masses, at least one of them positive. Include the
 *   escape (tail) mass as the last entry when the table is used with escape coding.
 * @param precision - Bits of the CDF total, 1..16.
 * @returns The CDF, `pmf.length + 1` entries: `cdf[0] = 0`, `cdf[n] = 2^precision`,
 *   strictly increasing.
 * @throws InvalidArgumentError for a non-finite or negative mass, an all-zero PMF, an
 *   empty PMF, more symbols than 2^precision, or a bad precision.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { pmfToQuantizedCdf } from '@ncomp/entropy/coding';
 *
 * const cdf = pmfToQuantizedCdf([0.5, 0.25, 0.25], 4); // 2^4 = 16 in all
 * assert.deepEqual(cdf, Int32Array.of(0, 8, 12, 16));
 * // A tiny mass still gets frequency 1, taken where it costs the fewest bits.
 * assert.deepEqual(pmfToQuantizedCdf([0.999, 0.001], 4), Int32Array.of(0, 15, 16));
 * ```
 */
export function pmfToQuantizedCdf(pmf: ArrayLike<number>, precision: number): Int32Array {
  checkPrecision(precision);
  const n = pmf.length;
  const total = 2 ** precision;
  if (n < 1) throw new InvalidArgumentError('pmf must have at least one entry, found 0');
  if (n > total) {
    throw new InvalidArgumentError(`pmf has ${n} entries but a ${precision}-bit CDF can give at most ${total} symbols frequency >= 1`);
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = pmf[i]!;
    if (!Number.isFinite(p) || p < 0) {
      throw new InvalidArgumentError(`pmf[${i}] must be finite and >= 0, found ${String(p)}; check the probability computation for numerical problems`);
    }
    sum += p;
  }
  if (!(sum > 0)) throw new InvalidArgumentError('pmf must have positive total mass, found all zeros');

  const mass = new Float64Array(n);
  const freq = new Int32Array(n);
  let freqSum = 0;
  for (let i = 0; i < n; i++) {
    mass[i] = pmf[i]! / sum;
    const f = Math.max(1, Math.round(mass[i]! * total));
    freq[i] = f;
    freqSum += f;
  }
  if (freqSum > total) shrink(freq, mass, freqSum - total);
  else if (freqSum < total) grow(freq, mass, total - freqSum);

  const cdf = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) cdf[i + 1] = cdf[i]! + freq[i]!;
  return cdf;
}

/** Bits saved by raising a frequency from f to f + 1, weighted by the symbol's mass. */
const gainOf = (f: number, p: number): number => p * (Math.log2(f + 1) - Math.log2(f));
/** Bits lost by lowering a frequency from f to f - 1 (infinite at 1: never go to 0). */
const penaltyOf = (f: number, p: number): number => (f <= 1 ? Number.POSITIVE_INFINITY : p * (Math.log2(f) - Math.log2(f - 1)));

/** Removes `excess` units, each from the symbol whose decrement costs least. */
function shrink(freq: Int32Array, mass: Float64Array, excess: number): void {
  const heap = new MinHeap(freq.length, (i) => penaltyOf(freq[i]!, mass[i]!));
  for (let k = 0; k < excess; k++) {
    const i = heap.top();
    freq[i] = freq[i]! - 1;
    heap.updateTop();
  }
}

/** Adds `deficit` units, each to the symbol whose increment saves most. */
function grow(freq: Int32Array, mass: Float64Array, deficit: number): void {
  const heap = new MinHeap(freq.length, (i) => -gainOf(freq[i]!, mass[i]!));
  for (let k = 0; k < deficit; k++) {
    const i = heap.top();
    freq[i] = freq[i]! + 1;
    heap.updateTop();
  }
}

/**
 * Binary min-heap over symbol indices keyed by a cost function that is re-evaluated
 * for the top element after it changes. Ties break on the lower index so the result
 * is deterministic.
 */
class MinHeap {
  private readonly items: Int32Array;
  private readonly keys: Float64Array;

  constructor(
    size: number,
    private readonly key: (i: number) => number,
  ) {
    this.items = new Int32Array(size);
    this.keys = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      this.items[i] = i;
      this.keys[i] = key(i);
    }
    for (let i = (size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  top(): number {
    return this.items[0]!;
  }

  updateTop(): void {
    this.keys[0] = this.key(this.items[0]!);
    this.siftDown(0);
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.items[a]! < this.items[b]!);
  }

  private siftDown(start: number): void {
    const n = this.items.length;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.less(r, l) ? r : l;
      if (!this.less(m, i)) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    const keys = this.keys;
    const ti = items[a]!;
    items[a] = items[b]!;
    items[b] = ti;
    const tk = keys[a]!;
    keys[a] = keys[b]!;
    keys[b] = tk;
  }
}
