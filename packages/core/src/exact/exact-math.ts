/**
 * Elementary functions computed with IEEE-754 double additions, subtractions,
 * multiplications and divisions in a fixed order, so that every JavaScript and WebAssembly
 * engine gives the same bits (`Math.exp`, `Math.log`, `Math.tanh` are "implementation-
 * approximated" in ECMAScript and differ between engines). Accurate to a few ulps; what
 * matters here is that they are the same everywhere.
 *
 * @packageDocumentation
 */

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.4426950408889634;
const SQRT2 = 1.4142135623730951;
const TWO_54 = 18014398509481984;
const INV_SQRT_PI = 0.5641895835477563;
const TWO_OVER_SQRT_PI = 1.1283791670955126;

const view = new DataView(new ArrayBuffer(8));

/** 2^k for integer k in [-1022, 1023], built from its bits. */
function pow2(k: number): number {
  view.setUint32(0, (k + 1023) << 20, false);
  view.setUint32(4, 0, false);
  return view.getFloat64(0, false);
}

// 1/n! for n = 0..14, each one correctly rounded division.
const INV_FACTORIALS: readonly number[] = (() => {
  const out = [1];
  let f = 1;
  for (let n = 1; n <= 14; n++) {
    f *= n;
    out.push(1 / f);
  }
  return out;
})();

/** e^x, deterministic (see the module comment). */
export function exactExp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 709.78) return Infinity;
  if (x < -745.1) return 0;
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = INV_FACTORIALS[14]!;
  for (let n = 13; n >= 0; n--) p = p * r + INV_FACTORIALS[n]!;
  if (k < -1000) return p * pow2(k + 60) * pow2(-60);
  if (k > 1000) return p * pow2(k - 10) * pow2(10);
  return p * pow2(k);
}

/** Natural logarithm, deterministic (see the module comment). */
export function exactLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let e = 0;
  let v = x;
  if (v < 2.2250738585072014e-308) {
    v *= TWO_54;
    e = -54;
  }
  view.setFloat64(0, v, false);
  const hi = view.getUint32(0, false);
  e += ((hi >>> 20) & 0x7ff) - 1023;
  view.setUint32(0, (hi & 0x000fffff) | 0x3ff00000, false);
  let m = view.getFloat64(0, false);
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let p = 1 / 25;
  for (let n = 23; n >= 1; n -= 2) p = p * s2 + 1 / n;
  return e * LN2_HI + (e * LN2_LO + 2 * s * p);
}

/** Hyperbolic tangent, deterministic (see the module comment). */
export function exactTanh(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a > 22) return x > 0 ? 1 : -1;
  if (a < 1e-9) return x;
  const t = exactExp(2 * a);
  const y = (t - 1) / (t + 1);
  return x < 0 ? -y : y;
}

/** The error function, deterministic (see the module comment): a Taylor series below 2, a continued fraction of erfc above. */
export function exactErf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return x > 0 ? 1 : -1;
  let y: number;
  if (a < 2) {
    const a2 = a * a;
    let term = a;
    let sum = a;
    for (let n = 1; n <= 40; n++) {
      term = (-term * a2) / n;
      sum += term / (2 * n + 1);
    }
    y = TWO_OVER_SQRT_PI * sum;
  } else {
    let f = a;
    for (let n = 60; n >= 1; n--) f = a + n / 2 / f;
    y = 1 - (exactExp(-a * a) * INV_SQRT_PI) / f;
  }
  return x < 0 ? -y : y;
}

/** `x` rounded to the nearest integer, ties to even (TensorFlow's `round`). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
