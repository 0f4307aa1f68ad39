/**
 * Demo of the entropy coders of `@ncomp/entropy/coding` (no TensorFlow.js needed):
 *
 * 1. a "mean-scale hyperprior" latent: values coded with 64 Gaussian tables chosen per value;
 * 2. the real CompressAI bmshj2018-factorized tables from ../shared/data, one per channel;
 * 3. incremental coding, where each value's table depends on the previously decoded value.
 *
 * Run: `npm run demo` (builds first). `--quick` codes fewer values.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CdfTables, pmfToQuantizedCdf, rangeCoder, ransCoder, type EntropyCoder } from '@ncomp/entropy/coding';

const quick = process.argv.includes('--quick');
const coders: EntropyCoder[] = [rangeCoder, ransCoder];

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Standard normal CDF (Zelen & Severo 26.2.17, |error| < 7.5e-8; fine for building tables). */
function phi(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const d = 0.3989422804014327 * Math.exp((-x * x) / 2);
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x > 0 ? 1 - p : p;
}

function time<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
}

function report(label: string, values: Int32Array, indexes: Int32Array, tables: CdfTables, pixels?: number): void {
  let ideal = 0;
  for (let i = 0; i < values.length; i++) ideal += tables.bitsOf(values[i]!, indexes[i]!);
  console.log(`\n${label}: ${values.length.toLocaleString('en')} values, ideal ${(ideal / 8).toFixed(0)} bytes`);
  for (const coder of coders) {
    coder.decode(coder.encode(values, indexes, tables), indexes, tables); // warm up the JIT
    const [bytes, encMs] = time(() => coder.encode(values, indexes, tables));
    const [decoded, decMs] = time(() => coder.decode(bytes, indexes, tables));
    const same = decoded.every((v, i) => v === values[i]);
    if (!same) throw new Error(`${coder.name}: the round trip changed the values`);
    const bpp = pixels === undefined ? '' : `, ${((bytes.length * 8) / pixels).toFixed(4)} bpp`;
    console.log(
      `  ${coder.name.padEnd(5)} ${bytes.length.toLocaleString('en').padStart(10)} bytes` +
        ` (+${(((bytes.length * 8 - ideal) / ideal) * 100).toFixed(3)} % over ideal${bpp}),` +
        ` encode ${(values.length / encMs / 1000).toFixed(1)} Msym/s, decode ${(values.length / decMs / 1000).toFixed(1)} Msym/s, round trip exact`,
    );
  }
}

// 1. Mean-scale latent: 64 Gaussian tables (scales 0.11 .. 256), escape symbol for the tails.
const scales = Array.from({ length: 64 }, (_, i) => Math.exp(Math.log(0.11) + (i * Math.log(256 / 0.11)) / 63));
const rows: Int32Array[] = [];
const offsets: number[] = [];
for (const s of scales) {
  const half = Math.ceil(s * 6);
  const pmf: number[] = [];
  for (let k = -half; k <= half; k++) pmf.push(phi((k + 0.5) / s) - phi((k - 0.5) / s));
  pmf.push(Math.max(0, 1 - pmf.reduce((a, b) => a + b, 0)));
  rows.push(pmfToQuantizedCdf(pmf, 16));
  offsets.push(-half);
}
const gaussian = CdfTables.fromRows(rows, offsets, 16);
const rand = uniform(2026);
const n = quick ? 100_000 : 2_000_000;
const values = new Int32Array(n);
const indexes = new Int32Array(n);
for (let i = 0; i < n; i++) {
  const index = Math.floor(rand() * 64);
  const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  values[i] = Math.round(g * scales[index]!);
  indexes[i] = index;
}
console.log('ncomp entropy coders demo');
report('1. Gaussian scale tables (mean-scale hyperprior latent)', values, indexes, gaussian);

// 2. Real CompressAI tables: a 192 x 32 x 48 latent (a 512 x 768 image at 1/16 resolution).
const cdfFile = fileURLToPath(new URL('../../../shared/data/compressai-cdfs/cdf_bmshj2018-factorized_3.json', import.meta.url));
if (existsSync(cdfFile)) {
  const raw = JSON.parse(readFileSync(cdfFile, 'utf8')) as { cdf: number[][]; cdf_lengths: number[]; offset: number[] };
  const tables = CdfTables.fromPadded(raw.cdf.flat(), raw.cdf_lengths, raw.offset, 16, raw.cdf[0]!.length);
  const size = 32 * 48;
  const latent = new Int32Array(tables.count * size);
  const channel = new Int32Array(latent.length);
  for (let c = 0; c < tables.count; c++) {
    const row = tables.cdf.subarray(tables.starts[c]!, tables.starts[c]! + tables.lengths[c]!);
    for (let i = 0; i < size; i++) {
      const u = Math.floor(rand() * 65536);
      let s = 0;
      while (row[s + 1]! <= u) s++;
      latent[c * size + i] = s + tables.offsets[c]!;
      channel[c * size + i] = c;
    }
  }
  report('2. CompressAI bmshj2018-factorized q3 tables, 192x32x48 latent of a 512x768 image', latent, channel, tables, 512 * 768);
} else {
  console.log(`\n2. skipped: ${cdfFile} not found (../shared/data sits beside the repository)`);
}

// 3. Incremental coding: each value's table is chosen from the previously decoded value.
const m = 10_000;
const chain = new Int32Array(m);
const pick = (prev: number): number => Math.min(63, 20 + Math.abs(prev));
let prev = 0;
for (let i = 0; i < m; i++) {
  const index = pick(prev);
  const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  chain[i] = Math.round(g * scales[index]!) >> 3;
  prev = chain[i]!;
}
console.log(`\n3. Incremental (autoregressive) coding of ${m.toLocaleString('en')} values, table chosen from the previous value`);
for (const coder of coders) {
  const enc = coder.createEncoder(gaussian);
  prev = 0;
  for (const v of chain) {
    enc.encode(v, pick(prev));
    prev = v;
  }
  const bytes = enc.finish();
  const dec = coder.createDecoder(bytes, gaussian);
  prev = 0;
  for (let i = 0; i < m; i++) {
    prev = dec.decode(pick(prev));
    if (prev !== chain[i]) throw new Error(`${coder.name}: incremental round trip failed at ${i}`);
  }
  dec.finish();
  console.log(`  ${coder.name.padEnd(5)} ${bytes.length.toLocaleString('en')} bytes, decoded value by value, finish check passed`);
}
