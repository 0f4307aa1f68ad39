import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@ncomp/core/errors';

/**
 * log(erfc(z)) for z >= 0, with relative error below 1.2e-7 in erfc everywhere
 * (Numerical Recipes' `erfcc` Chebyshev fit: erfc(z) = t exp(-z^2 + P(t)),
 * t = 1 / (1 + z / 2)). Being computed in log space it never underflows, which is
 * what the Normal's tails need; TF.js has `erf` but no `erfc`.
 *
 * @param z - Tensor of values >= 0 (clamp before calling).
 */
export function logErfcNonNegative(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.div(1, tf.add(1, tf.mul(0.5, z)));
    const coefficients = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223];
    let poly: tf.Tensor = tf.scalar(coefficients[0]!);
    for (let i = 1; i < coefficients.length; i++) poly = tf.add(tf.mul(poly, t), coefficients[i]!);
    return tf.add(tf.log(t), tf.sub(poly, tf.square(z)));
  });
}

/**
 * The standard normal quantile Φ^-1(p) for a number p in (0, 1): Acklam's rational
 * approximation (relative error 1.15e-9) refined by one Halley step on erfc, so it is
 * accurate to double precision for the tail masses entropy models use.
 *
 * @throws InvalidArgumentError unless 0 < p < 1.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new InvalidArgumentError(`quantile probability must be in (0, 1), found ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // One Halley step on f(x) = Φ(x) - p.
  const e = 0.5 * erfcNumber(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** erfc for numbers, relative accuracy ~1e-15 (continued-fraction / series split). */
export function erfcNumber(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 2) {
    // erf series: erf(z) = 2/sqrt(pi) sum (-1)^n z^(2n+1) / (n! (2n+1)).
    let term = z;
    let sum = z;
    for (let n = 1; n < 60; n++) {
      term *= (-z * z) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // Continued fraction (Lentz): erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...)))).
    let f = z;
    let C = z;
    let D = 0;
    for (let n = 1; n < 200; n++) {
      const an = n / 2;
      D = z + an * D;
      D = D === 0 ? 1e-300 : 1 / D;
      C = z + an / C;
      const delta = C * D;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }
  return x >= 0 ? r : 2 - r;
}
