/**
 * Entropy-coder benchmark: workloads W1 and W2 of ../shared/bench/WORKLOADS.md for the
 * range and rANS coders. Prints bytes, overhead against the ideal size, encode and
 * decode Msym/s (median of 5 runs after a warm-up) and peak memory.
 *
 * Each (workload, coder) pair runs in its own child process so that its peak RSS is
 * its own. Usage: `npm run bench -w @ncomp/entropy [-- --n 1000000]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { rangeCoder, ransCoder, type EntropyCoder } from '../src/coding/index.js';
import { SEED, workloadW1, workloadW2, type Workload } from './workloads.js';

const RUNS = 5;

interface Result {
  workload: string;
  coder: string;
  symbols: number;
  escapes: number;
  bytes: number;
  idealBytes: number;
  encodeMsps: number;
  decodeMsps: number;
  baseRssMiB: number;
  peakRssMiB: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

function runChild(workloadName: string, coderName: string, n: number): void {
  const make: Record<string, (n: number) => Workload> = { W1: workloadW1, W2: workloadW2 };
  const coders: Record<string, EntropyCoder> = { range: rangeCoder, rans: ransCoder };
  const w = make[workloadName]!(n);
  const coder = coders[coderName]!;
  const baseRss = process.memoryUsage().rss;
  let bytes = coder.encode(w.values, w.indexes, w.tables);
  coder.decode(bytes, w.indexes, w.tables);
  const enc: number[] = [];
  const dec: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    bytes = coder.encode(w.values, w.indexes, w.tables);
    enc.push(performance.now() - t);
    t = performance.now();
    const out = coder.decode(bytes, w.indexes, w.tables);
    dec.push(performance.now() - t);
    for (let i = 0; i < out.length; i++) {
      if (out[i] !== w.values[i]) throw new Error(`${coderName} ${workloadName}: mismatch at ${i}`);
    }
  }
  const result: Result = {
    workload: w.name,
    coder: coderName,
    symbols: n,
    escapes: w.escapes,
    bytes: bytes.length,
    idealBytes: w.idealBits / 8,
    encodeMsps: n / median(enc) / 1000,
    decodeMsps: n / median(dec) / 1000,
    baseRssMiB: baseRss / 2 ** 20,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Writes a workload in the little-endian int32 layout that native/rans_ref.c reads. */
function dumpWorkload(w: Workload, path: string): void {
  const t = w.tables;
  const parts = [Int32Array.of(t.precision, t.count, t.cdf.length), t.starts, t.lengths, t.offsets, t.cdf, Int32Array.of(w.values.length), w.values, w.indexes];
  writeFileSync(path, Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}

/**
 * Native calibration: compiles native/rans_ref.c (plain byte-wise rANS in C) with the
 * machine's C compiler, when there is one, and runs it on the same workloads, so the
 * TypeScript figures can be set against native code on this very machine.
 */
function runNative(n: number): Map<string, { encodeMsps: number; decodeMsps: number }> | string {
  const results = new Map<string, { encodeMsps: number; decodeMsps: number }>();
  const dir = mkdtempSync(join(tmpdir(), 'ncomp-bench-'));
  try {
    const exe = join(dir, 'rans_ref');
    const src = fileURLToPath(new URL('./native/rans_ref.c', import.meta.url));
    const cc = spawnSync('cc', ['-O2', '-o', exe, src], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0) return `no native calibration (cc -O2 failed or is missing: ${cc.error?.message ?? cc.stderr.trim()})`;
    for (const [name, make] of [
      ['W1', workloadW1],
      ['W2', workloadW2],
    ] as const) {
      const file = join(dir, `${name}.bin`);
      dumpWorkload(make(n), file);
      const run = spawnSync(exe, [file], { encoding: 'utf8' });
      if (run.status !== 0) return `native calibration failed on ${name}: ${run.stderr.trim()}`;
      results.set(name, JSON.parse(run.stdout) as { encodeMsps: number; decodeMsps: number });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const nArg = args.indexOf('--n');
  const n = nArg >= 0 ? Number(args[nArg + 1]) : 10_000_000;
  const child = args.indexOf('--child');
  if (child >= 0) {
    runChild(args[child + 1]!, args[child + 2]!, n);
    return;
  }
  console.log(
    `Entropy-coder benchmark: ${n.toLocaleString('en')} symbols per workload, splitmix32 seed 0x${SEED.toString(16)}, median of ${RUNS} runs after a warm-up`,
  );
  console.log(`node ${process.version}, ${process.arch}`);
  console.log('');
  const header = ['workload', 'coder', 'bytes', 'ideal bytes', 'overhead', 'enc Msym/s', 'dec Msym/s', 'peak RSS MiB (data only)'];
  const rows: string[][] = [];
  const self = fileURLToPath(import.meta.url);
  for (const workload of ['W1', 'W2']) {
    for (const coder of ['range', 'rans']) {
      const res = spawnSync(process.execPath, [...process.execArgv, self, '--child', workload, coder, '--n', String(n)], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (res.status !== 0) {
        console.error(res.stderr);
        throw new Error(`benchmark child ${workload}/${coder} failed with status ${String(res.status)}`);
      }
      const r = JSON.parse(res.stdout.trim().split('\n').pop()!) as Result;
      rows.push([
        `${r.workload}${r.escapes > 0 ? ` (${r.escapes} escapes)` : ''}`,
        r.coder,
        r.bytes.toLocaleString('en'),
        Math.ceil(r.idealBytes).toLocaleString('en'),
        `${(((r.bytes - r.idealBytes) / r.idealBytes) * 100).toFixed(4)} %`,
        r.encodeMsps.toFixed(1),
        r.decodeMsps.toFixed(1),
        `${r.peakRssMiB.toFixed(0)} (${(r.peakRssMiB - r.baseRssMiB).toFixed(0)})`,
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log('');
  const native = runNative(n);
  if (typeof native === 'string') {
    console.log(native);
  } else {
    for (const [name, r] of native) {
      console.log(
        `native C byte-wise rANS on this machine (cc -O2), ${name}: encode ${r.encodeMsps.toFixed(1)} Msym/s, decode ${r.decodeMsps.toFixed(1)} Msym/s`,
      );
    }
  }
  console.log('Reference (WORKLOADS.md, native on the development machine): TFC range coder W1 enc ~100-128 / dec ~31, W2 enc ~80-95 / dec ~25 Msym/s;');
  console.log('ryg_rans there: W1 enc ~290 / dec ~150, W2 enc ~180 / dec ~33. Scale by the native rANS figures above to compare machines.');
  console.log('peak RSS: whole process; in parentheses, what coding added over the process after generating the workload.');
}

main();
