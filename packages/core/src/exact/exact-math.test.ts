import { describe, expect, it } from 'vitest';
import { exactErf, exactExp, exactLog, exactTanh, roundHalfEven } from './exact-math.js';

/** A seeded spread of arguments over `[lo, hi]`. */
function args(n: number, lo: number, hi: number): number[] {
  let s = 12345;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return lo + (hi - lo) * (s / 2 ** 32);
  });
}

const ulps = (a: number, b: number): number => Math.abs(a - b) / (Math.abs(b) * 2 ** -52 || Number.MIN_VALUE);

describe('engine-independent elementary functions (basic IEEE operations only)', () => {
  it('exp is within 4 ulps of the engine exp over [-700, 700], exact at 0, 1 = e', () => {
    expect(exactExp(0)).toBe(1);
    expect(ulps(exactExp(1), Math.E)).toBeLessThanOrEqual(2);
    for (const x of args(20000, -700, 700)) expect(ulps(exactExp(x), Math.exp(x))).toBeLessThanOrEqual(4);
    expect(exactExp(800)).toBe(Infinity);
    expect(exactExp(-800)).toBe(0);
    expect(exactExp(Number.NaN)).toBeNaN();
  });

  it('log is within 4 ulps of the engine log, subnormals included; log(e^x) = x', () => {
    for (const x of [...args(20000, 1e-300, 10), ...args(2000, 1, 1e300), 5e-324, 1e-310]) expect(ulps(exactLog(x), Math.log(x))).toBeLessThanOrEqual(4);
    expect(exactLog(1)).toBe(0);
    expect(exactLog(0)).toBe(-Infinity);
    expect(exactLog(-1)).toBeNaN();
    for (const x of args(1000, -50, 50)) expect(Math.abs(exactLog(exactExp(x)) - x)).toBeLessThan(1e-13 * Math.max(1, Math.abs(x)));
  });

  it('tanh and erf agree with closed-form references to 1e-15 (absolute)', () => {
    for (const x of args(20000, -30, 30)) expect(Math.abs(exactTanh(x) - Math.tanh(x))).toBeLessThan(2e-16 * 8);
    // erf: reference values (Abramowitz & Stegun, Table 7.1) and odd symmetry.
    const table: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
    ];
    for (const [x, v] of table) {
      expect(Math.abs(exactErf(x) - v)).toBeLessThan(1e-15);
      expect(exactErf(-x)).toBe(-exactErf(x));
    }
    // Continuity where the series hands over to the continued fraction.
    expect(Math.abs(exactErf(2 - 1e-12) - exactErf(2))).toBeLessThan(1e-12);
  });

  it('rounds half to even like TensorFlow', () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([-2, -2, -0, 0, 2, 2, 2, 3]);
  });
});
