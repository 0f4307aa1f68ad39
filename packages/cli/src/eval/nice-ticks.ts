/**
 * "Nice" axis ticks: round numbers (1, 2 or 5 × 10^k apart) covering a data range.
 */

/** Axis ticks from {@link niceTicks}. */
export interface NiceTicks {
  /** Lower end of the axis (a multiple of `step`, ≤ the data minimum). */
  readonly min: number;
  /** Upper end of the axis (a multiple of `step`, ≥ the data maximum). */
  readonly max: number;
  /** Distance between ticks: 1, 2 or 5 × 10^k. */
  readonly step: number;
  /** The tick values from `min` to `max`, rounded to the step's decimals. */
  readonly values: readonly number[];
  /** Decimals needed to print the ticks exactly. */
  readonly decimals: number;
}

/**
 * Chooses round tick values covering [lo, hi] with about `count` intervals. An empty
 * range (lo = hi) is widened around its value.
 *
 * @param lo - Data minimum (finite).
 * @param hi - Data maximum (finite, ≥ lo).
 * @param count - Desired number of intervals (default 5).
 * @returns The axis ends, step and tick values.
 */
export function niceTicks(lo: number, hi: number, count = 5): NiceTicks {
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  // Among 1, 2, 5 × 10^k steps near the raw step, take the one whose rounded-out axis has
  // the number of intervals closest to `count` (ties: the larger step).
  const target = Math.max(1, count);
  const base = 10 ** Math.floor(Math.log10((hi - lo) / target));
  let step = base;
  let bestMiss = Infinity;
  for (const s of [0.5, 1, 2, 5, 10, 20].map((m) => m * base)) {
    const intervals = Math.ceil(hi / s - 1e-9) - Math.floor(lo / s + 1e-9);
    const miss = Math.abs(intervals - target);
    if (miss < bestMiss || (miss === bestMiss && s > step)) {
      step = s;
      bestMiss = miss;
    }
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const values: number[] = [];
  for (let k = first; k <= last; k++) values.push(Number((k * step).toFixed(decimals)));
  return { min: values[0] as number, max: values[values.length - 1] as number, step, values, decimals };
}
