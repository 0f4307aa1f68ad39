import { InvalidArgumentError } from '@ncomp/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bdPsnr, bdRate, type RdPoint } from './bd-rate.js';

const curve = (bpp: number[], psnr: number[]): RdPoint[] => bpp.map((b, i) => ({ bpp: b, psnr: psnr[i] as number }));
const anchor = curve([0.1, 0.2, 0.35, 0.5, 0.8, 1.2], [28.1, 30.6, 32.4, 33.9, 35.8, 37.9]);

describe('bdRate', () => {
  it('is 0 for identical curves', () => {
    expect(bdRate(anchor, anchor)).toBeCloseTo(0, 12);
    expect(bdPsnr(anchor, anchor)).toBeCloseTo(0, 12);
  });

  it('is −50 % when every rate is halved, +100 % when doubled', () => {
    expect(
      bdRate(
        anchor,
        anchor.map((p) => ({ ...p, bpp: p.bpp / 2 })),
      ),
    ).toBeCloseTo(-50, 9);
    expect(
      bdRate(
        anchor,
        anchor.map((p) => ({ ...p, bpp: p.bpp * 2 })),
      ),
    ).toBeCloseTo(100, 9);
  });

  it('gives the hand-computed value for exactly cubic curves with partial overlap', () => {
    // Anchor: log10 R = (P − 30) / 10 at P = 30, 32, ..., 38.
    // Test:   log10 R = (P − 30) / 10 − 0.1 + 0.01 (P − 34)² at P = 32, 34, ..., 40.
    // Both are polynomials of degree ≤ 3, so the fits are exact. Overlap [32, 38]:
    // mean difference = −0.1 + 0.01 · (1/6) ∫_{−2}^{4} u² du = −0.1 + 0.01 · 4 = −0.06,
    // BD-rate = (10^−0.06 − 1) · 100 = −12.9034…
    const a = [30, 32, 34, 36, 38].map((p) => ({ psnr: p, bpp: 10 ** ((p - 30) / 10) }));
    const t = [32, 34, 36, 38, 40].map((p) => ({ psnr: p, bpp: 10 ** ((p - 30) / 10 - 0.1 + 0.01 * (p - 34) ** 2) }));
    expect(bdRate(a, t)).toBeCloseTo((10 ** -0.06 - 1) * 100, 9);
    expect(bdRate(a, t)).toBeCloseTo(-12.9034, 3);
  });

  it('matches the common numpy implementation (polyfit / polyint) on measured data', () => {
    // libx265 data from the FAU-LMS bjontegaard README; reference values computed with
    // np.polyfit(psnr, log10(rate), 3) and np.polyint, the usual VCEG-M33 Python script.
    const a = curve([9487.76, 4593.6, 2486.44, 1358.24], [40.037, 38.615, 36.845, 34.851]);
    const t = curve([9787.8, 4469.0, 2451.52, 1356.24], [40.121, 38.651, 36.97, 34.987]);
    expect(bdRate(a, t)).toBeCloseTo(-4.4204627060956625, 8);
    expect(bdPsnr(a, t)).toBeCloseTo(0.12040941911496554, 9);
    const a2 = curve([686.76, 309.58, 157.11, 85.95], [40.28, 37.18, 34.24, 31.42]);
    const t2 = curve([893.34, 407.8, 204.93, 112.75], [40.39, 37.21, 34.17, 31.24]);
    expect(bdRate(a2, t2)).toBeCloseTo(31.39737405491083, 8);
    expect(bdPsnr(a2, t2)).toBeCloseTo(-1.184897921770337, 9);
    // Least squares: 6 and 5 points.
    const t3 = curve([0.08, 0.15, 0.3, 0.45, 0.7], [28.5, 30.9, 33.1, 34.6, 36.4]);
    expect(bdRate(anchor, t3)).toBeCloseTo(-28.400875269178194, 8);
    expect(bdPsnr(anchor, t3)).toBeCloseTo(1.2266946814401423, 9);
  });

  it('is antisymmetric in the log domain (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -0.5, max: 0.5, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), (logShift, dB) => {
        const t = anchor.map((p) => ({ bpp: p.bpp * 10 ** logShift, psnr: p.psnr + dB }));
        const forward = Math.log10(1 + bdRate(anchor, t) / 100);
        const backward = Math.log10(1 + bdRate(t, anchor) / 100);
        expect(forward + backward).toBeCloseTo(0, 9);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses too few points, bad values and disjoint curves', () => {
    expect(() => bdRate(anchor.slice(0, 3), anchor)).toThrow(InvalidArgumentError);
    expect(() => bdRate(anchor, [...anchor.slice(0, 3), { bpp: 0, psnr: 40 }])).toThrow(InvalidArgumentError);
    expect(() => bdRate(anchor, [...anchor.slice(0, 3), { bpp: 1, psnr: Number.NaN }])).toThrow(InvalidArgumentError);
    expect(() =>
      bdRate(
        anchor,
        anchor.map((p) => ({ ...p, psnr: p.psnr + 20 })),
      ),
    ).toThrow(/do not overlap/);
    expect(() =>
      bdPsnr(
        anchor,
        anchor.map((p) => ({ ...p, bpp: p.bpp * 100 })),
      ),
    ).toThrow(/do not overlap/);
    const repeated = [1, 2, 3, 4].map((i) => ({ bpp: i, psnr: i < 3 ? 30 : 31 + i }));
    expect(() => bdRate(repeated, anchor)).toThrow(/4 distinct/);
  });
});

describe('bdPsnr', () => {
  it('is 1 dB for +1 dB everywhere', () => {
    expect(
      bdPsnr(
        anchor,
        anchor.map((p) => ({ ...p, psnr: p.psnr + 1 })),
      ),
    ).toBeCloseTo(1, 10);
    expect(
      bdPsnr(
        anchor,
        anchor.map((p) => ({ ...p, psnr: p.psnr - 0.25 })),
      ),
    ).toBeCloseTo(-0.25, 10);
  });
});
