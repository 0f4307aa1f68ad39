/**
 * Least-squares cubic polynomials and their definite integrals, for the Bjøntegaard
 * metrics.
 */
import { InvalidArgumentError } from '@ncomp/core';

/**
 * A cubic fitted in a normalised variable `t = (x − centre) / halfWidth`, which keeps the
 * normal equations well conditioned for data such as PSNR values around 30–40 dB.
 */
export interface Cubic {
  /** Coefficients c0..c3 of `c0 + c1·t + c2·t² + c3·t³`. */
  readonly coefficients: readonly [number, number, number, number];
  /** Centre of the fitted x range. */
  readonly centre: number;
  /** Half the width of the fitted x range (> 0). */
  readonly halfWidth: number;
}

/**
 * Fits `y ≈ p(x)` with a cubic polynomial: the interpolating cubic for exactly four points,
 * the least-squares cubic for more.
 *
 * @param x - Abscissae, at least four distinct finite values.
 * @param y - Ordinates, finite, as many as `x`.
 * @param what - Name of the data in error messages.
 * @returns The fitted cubic.
 * @throws InvalidArgumentError for fewer than four distinct x values or non-finite data.
 */
export function fitCubic(x: readonly number[], y: readonly number[], what: string): Cubic {
  if (x.length !== y.length) throw new InvalidArgumentError(`${what}: ${x.length} x values but ${y.length} y values`);
  if (!x.every(Number.isFinite) || !y.every(Number.isFinite)) throw new InvalidArgumentError(`${what}: values must be finite numbers`);
  const distinct = new Set(x).size;
  if (distinct < 4) throw new InvalidArgumentError(`${what}: a cubic fit needs at least 4 distinct values, found ${distinct}`);
  const lo = Math.min(...x);
  const hi = Math.max(...x);
  const centre = (lo + hi) / 2;
  const halfWidth = (hi - lo) / 2;
  // Normal equations (VᵀV) c = Vᵀy of the Vandermonde matrix V in t.
  const m: number[][] = [0, 1, 2, 3].map(() => [0, 0, 0, 0, 0]);
  for (let i = 0; i < x.length; i++) {
    const t = ((x[i] as number) - centre) / halfWidth;
    const powers = [1, t, t * t, t * t * t];
    for (let r = 0; r < 4; r++) {
      const row = m[r] as number[];
      for (let c = 0; c < 4; c++) row[c] = (row[c] as number) + (powers[r] as number) * (powers[c] as number);
      row[4] = (row[4] as number) + (powers[r] as number) * (y[i] as number);
    }
  }
  const [c0, c1, c2, c3] = solve4(m, what);
  return { coefficients: [c0, c1, c2, c3], centre, halfWidth };
}

/**
 * The definite integral of a fitted cubic over [a, b] in the original variable x.
 *
 * @param p - The cubic.
 * @param a - Lower limit.
 * @param b - Upper limit.
 * @returns ∫ₐᵇ p(x) dx.
 */
export function integrateCubic(p: Cubic, a: number, b: number): number {
  const [c0, c1, c2, c3] = p.coefficients;
  const antiderivative = (t: number): number => t * (c0 + t * (c1 / 2 + t * (c2 / 3 + t * (c3 / 4))));
  const ta = (a - p.centre) / p.halfWidth;
  const tb = (b - p.centre) / p.halfWidth;
  return p.halfWidth * (antiderivative(tb) - antiderivative(ta));
}

/** Gaussian elimination with partial pivoting on a 4×5 augmented matrix. */
function solve4(m: number[][], what: string): [number, number, number, number] {
  const n = 4;
  const scale = Math.max(...m.map((row) => Math.max(...row.slice(0, n).map(Math.abs))));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) <= 1e-12 * scale) throw new InvalidArgumentError(`${what}: the cubic fit is singular (points too close together)`);
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = m[r]!;
      const f = row[col]! / p[col]!;
      for (let c = col; c <= n; c++) row[c] = row[c]! - f * p[c]!;
    }
  }
  const out = [0, 0, 0, 0];
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r]!;
    let s = row[n]!;
    for (let c = r + 1; c < n; c++) s -= row[c]! * out[c]!;
    out[r] = s / row[r]!;
  }
  return out as [number, number, number, number];
}
