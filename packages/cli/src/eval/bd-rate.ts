/**
 * Bjøntegaard delta metrics (G. Bjøntegaard, "Calculation of average PSNR differences
 * between RD-curves", VCEG-M33, 2001): the average rate or quality difference between two
 * rate-distortion curves.
 */
import { InvalidArgumentError } from '@ncomp/core';
import { fitCubic, integrateCubic } from './cubic-fit.js';

/** One operating point of a rate-distortion curve. */
export interface RdPoint {
  /** Rate in bits per pixel (> 0; any rate unit works, as long as both curves use it). */
  readonly bpp: number;
  /** Quality in dB (PSNR, or MS-SSIM in dB). */
  readonly psnr: number;
}

/**
 * Bjøntegaard delta rate (BD-rate) of `test` against `anchor`, in percent: the average
 * rate difference at equal quality. Negative means `test` needs fewer bits (−10 = 10 %
 * saved).
 *
 * The classic VCEG-M33 method: for each curve, log10(rate) is fitted as a cubic polynomial
 * of PSNR (interpolating for 4 points, least squares for more); both are integrated over
 * the PSNR interval the two curves share; the difference of the averages, `d`, gives
 * `(10^d − 1) · 100`.
 *
 * @param anchor - The reference curve, at least 4 points.
 * @param test - The curve to compare, at least 4 points.
 * @returns The BD-rate in percent.
 * @throws InvalidArgumentError for fewer than 4 (distinct-PSNR) points per curve, a
 *   non-positive or non-finite rate or PSNR, or curves whose PSNR ranges do not overlap.
 */
export function bdRate(anchor: readonly RdPoint[], test: readonly RdPoint[]): number {
  checkCurve(anchor, 'anchor');
  checkCurve(test, 'test');
  const fa = fitCubic(
    anchor.map((p) => p.psnr),
    anchor.map((p) => Math.log10(p.bpp)),
    'anchor',
  );
  const ft = fitCubic(
    test.map((p) => p.psnr),
    test.map((p) => Math.log10(p.bpp)),
    'test',
  );
  const [lo, hi] = overlap(
    anchor.map((p) => p.psnr),
    test.map((p) => p.psnr),
    'PSNR',
  );
  const diff = (integrateCubic(ft, lo, hi) - integrateCubic(fa, lo, hi)) / (hi - lo);
  return (10 ** diff - 1) * 100;
}

/**
 * Bjøntegaard delta PSNR (BD-PSNR) of `test` against `anchor`, in dB: the average quality
 * difference at equal rate. Positive means `test` is better.
 *
 * Same method as {@link bdRate} with the axes swapped: PSNR is fitted as a cubic of
 * log10(rate), and the fits are averaged over the shared log-rate interval.
 *
 * @param anchor - The reference curve, at least 4 points.
 * @param test - The curve to compare, at least 4 points.
 * @returns The BD-PSNR in dB.
 * @throws InvalidArgumentError for fewer than 4 (distinct-rate) points per curve, a
 *   non-positive or non-finite rate or PSNR, or curves whose rate ranges do not overlap.
 */
export function bdPsnr(anchor: readonly RdPoint[], test: readonly RdPoint[]): number {
  checkCurve(anchor, 'anchor');
  checkCurve(test, 'test');
  const la = anchor.map((p) => Math.log10(p.bpp));
  const lt = test.map((p) => Math.log10(p.bpp));
  const fa = fitCubic(
    la,
    anchor.map((p) => p.psnr),
    'anchor',
  );
  const ft = fitCubic(
    lt,
    test.map((p) => p.psnr),
    'test',
  );
  const [lo, hi] = overlap(la, lt, 'rate');
  return (integrateCubic(ft, lo, hi) - integrateCubic(fa, lo, hi)) / (hi - lo);
}

function checkCurve(curve: readonly RdPoint[], what: string): void {
  if (curve.length < 4) throw new InvalidArgumentError(`${what} curve: the Bjøntegaard metrics need at least 4 points, found ${curve.length}`);
  for (const [i, p] of curve.entries()) {
    if (!Number.isFinite(p.bpp) || p.bpp <= 0 || !Number.isFinite(p.psnr)) {
      throw new InvalidArgumentError(`${what} curve point ${i}: expected a positive finite bpp and a finite PSNR, found bpp ${p.bpp}, PSNR ${p.psnr}`);
    }
  }
}

function overlap(a: readonly number[], b: readonly number[], axis: string): [number, number] {
  const lo = Math.max(Math.min(...a), Math.min(...b));
  const hi = Math.min(Math.max(...a), Math.max(...b));
  if (!(hi > lo)) {
    throw new InvalidArgumentError(
      `the curves' ${axis} ranges do not overlap (anchor ${Math.min(...a)}..${Math.max(...a)}, test ${Math.min(...b)}..${Math.max(...b)})`,
    );
  }
  return [lo, hi];
}
