import { CdfTables } from './cdf-tables.js';
import { pmfToQuantizedCdf } from './pmf-to-quantized-cdf.js';

/**
 * Deterministic 32-bit generator (splitmix32) for tests and benchmarks.
 * @internal
 */
export function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Tables of discretised Laplace / Gaussian-like shapes with escape mass, for tests.
 * @internal
 */
export function laplaceTables(count: number, precision: number, support = 33): CdfTables {
  const rows: Int32Array[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const scale = 0.3 + i * 1.7;
    const half = (support - 1) / 2;
    const pmf: number[] = [];
    for (let k = -half; k <= half; k++) pmf.push(Math.exp(-Math.abs(k) / scale));
    pmf.push(1e-3);
    rows.push(pmfToQuantizedCdf(pmf, precision));
    offsets.push(-half);
  }
  return CdfTables.fromRows(rows, offsets, precision);
}
