import { CdfTables, pmfToQuantizedCdf } from '../src/coding/index.js';
import { splitmix32 } from '../src/coding/test-helpers.js';

/** One benchmark workload of ../shared/bench/WORKLOADS.md, generated deterministically. */
export interface Workload {
  readonly name: string;
  readonly description: string;
  readonly tables: CdfTables;
  readonly values: Int32Array;
  readonly indexes: Int32Array;
  /** Sum of -log2 p over the coded symbols under the quantized frequencies, in bits. */
  readonly idealBits: number;
  /** Values that take the escape path. */
  readonly escapes: number;
}

/** Seed of the splitmix32 generator used for every workload. */
export const SEED = 0x5eed1234;

const laplaceCdf = (x: number, mu: number, b: number): number => (x < mu ? 0.5 * Math.exp((x - mu) / b) : 1 - 0.5 * Math.exp(-(x - mu) / b));

/** Standard normal CDF via erfc (Abramowitz-Stegun 7.1.26 is too coarse; use a series/continued fraction). */
function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Complementary error function, relative accuracy ~1e-15 (Numerical Recipes erfc via Chebyshev). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  const cof = [
    -1.3026537197817094, 0.6419697923564902, 1.9476473204185836e-2, -9.561514786808631e-3, -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5,
    -2.0278578112534e-5, -1.624290004647e-6, 1.30365583558e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10,
    -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16,
    -2.8e-17,
  ];
  let d = 0;
  let dd = 0;
  for (let j = cof.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + cof[j]!;
    dd = tmp;
  }
  const r = t * Math.exp(-z * z + 0.5 * (cof[0]! + ty * d) - dd);
  return x >= 0 ? r : 2 - r;
}

/** Draws a symbol of table `index` from its quantized CDF given a uniform 16-bit draw. */
function sample(tables: CdfTables, index: number, u: number): number {
  const start = tables.starts[index]!;
  const last = tables.lengths[index]! - 2;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tables.cdf[start + mid]! <= u) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * W1: 10^7 symbols i.i.d. from a discretised Laplace (centre 128, scale 8) over 0..255,
 * quantized to 16 bits. Our tables always carry an escape symbol; here it gets the
 * minimum frequency 1 (mass 0 before quantization) and is never drawn.
 */
export function workloadW1(n = 10_000_000): Workload {
  const pmf: number[] = [];
  for (let k = 0; k < 256; k++) pmf.push(laplaceCdf(k + 0.5, 128, 8) - laplaceCdf(k - 0.5, 128, 8));
  pmf.push(0);
  const tables = CdfTables.fromRows([pmfToQuantizedCdf(pmf, 16)], [0], 16);
  const rand = splitmix32(SEED);
  const values = new Int32Array(n);
  const indexes = new Int32Array(n);
  let idealBits = 0;
  for (let i = 0; i < n; i++) {
    const s = sample(tables, 0, rand() >>> 16);
    values[i] = s;
    idealBits += tables.bitsOf(s, 0);
  }
  return { name: 'W1', description: 'one static 256-symbol Laplace table', tables, values, indexes, idealBits, escapes: 0 };
}

/**
 * W2: 10^7 values, each with a uniformly drawn index of 64 Gaussian tables (scales
 * log-spaced 0.11..256, support +-ceil(6.107 s), escape symbol with the tail mass),
 * value = round(N(0,1) * s); out-of-support values take the escape path.
 */
export function workloadW2(n = 10_000_000): Workload {
  const rows: Int32Array[] = [];
  const offsets: number[] = [];
  const scales: number[] = [];
  for (let i = 0; i < 64; i++) {
    const s = Math.exp(Math.log(0.11) + (i * (Math.log(256) - Math.log(0.11))) / 63);
    scales.push(s);
    const half = Math.ceil(s * 6.107);
    const pmf: number[] = [];
    let mass = 0;
    for (let k = -half; k <= half; k++) {
      const p = normalCdf((k + 0.5) / s) - normalCdf((k - 0.5) / s);
      pmf.push(p);
      mass += p;
    }
    pmf.push(Math.max(0, 1 - mass));
    rows.push(pmfToQuantizedCdf(pmf, 16));
    offsets.push(-half);
  }
  const tables = CdfTables.fromRows(rows, offsets, 16);
  const rand = splitmix32(SEED);
  const values = new Int32Array(n);
  const indexes = new Int32Array(n);
  let idealBits = 0;
  let escapes = 0;
  for (let i = 0; i < n; i++) {
    const index = rand() & 63;
    // Box-Muller with two 32-bit uniforms in (0, 1).
    const u1 = (rand() + 0.5) / 2 ** 32;
    const u2 = (rand() + 0.5) / 2 ** 32;
    const g = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    const v = Math.round(g * scales[index]!);
    values[i] = v;
    indexes[i] = index;
    const rel = v - offsets[index]!;
    if (rel < 0 || rel >= tables.lengths[index]! - 2) escapes++;
    idealBits += tables.bitsOf(v, index);
  }
  return { name: 'W2', description: '64 indexed Gaussian tables with escapes', tables, values, indexes, idealBits, escapes };
}
