/**
 * Runs fuzz cases and tallies what happened to each: refused (by which typed error),
 * decoded (to the original image or to another one), crashed (an error that is not an
 * `NcompError`) or hung (took longer than a budget; reported, never asserted on in tests).
 */
import { NcompError } from '@ncomp/core';
import { CdfTables, rangeCoder, ransCoder, type EntropyCoder } from '@ncomp/entropy/coding';
import { decodeFile, type DecodingModel } from './decode-file.js';
import { MUTATION_KINDS, mutate, type MutationKind } from './mutations.js';
import { Random } from './random.js';

/** Counts per case kind and outcome, plus a few examples of crashes and hangs. */
export interface FuzzReport {
  /** kind -> outcome -> count. */
  readonly counts: Map<string, Map<string, number>>;
  /** Up to 20 crashes or hangs: kind, seed of the case, what happened. */
  readonly problems: { kind: string; caseSeed: number; outcome: string; message: string }[];
  /** Cases run. */
  cases: number;
  /** The slowest case, in milliseconds. */
  slowestMs: number;
}

/** Options of the fuzz runs. */
export interface FuzzOptions {
  /** Number of cases. */
  readonly cases: number;
  /** Seed of the whole run; case i uses seed + i. */
  readonly seed: number;
  /** A case taking longer than this is counted as hung (default 10,000 ms). */
  readonly hangMs?: number;
  /** Called every `progressEvery` cases with the number done. */
  readonly onProgress?: (done: number) => void;
  /** Default 1000. */
  readonly progressEvery?: number;
}

/** An empty report. */
export function emptyReport(): FuzzReport {
  return { counts: new Map(), problems: [], cases: 0, slowestMs: 0 };
}

function tally(report: FuzzReport, kind: string, outcome: string): void {
  const byKind = report.counts.get(kind) ?? new Map<string, number>();
  byKind.set(outcome, (byKind.get(outcome) ?? 0) + 1);
  report.counts.set(kind, byKind);
}

/**
 * Runs `body`, classifying its result or error; `compare` says how a result relates to
 * the original: `same`, `different` (same size, other values) or `other size`.
 */
async function classify<T>(body: () => T | Promise<T>, compare: (v: T) => 'same' | 'different' | 'other size'): Promise<{ outcome: string; message: string }> {
  try {
    return { outcome: `decoded: ${compare(await body())}`, message: '' };
  } catch (err) {
    if (err instanceof NcompError) return { outcome: `refused: ${err.name}`, message: err.message };
    const e = err as Error;
    return { outcome: `crashed: ${e?.name ?? typeof err}`, message: String(e?.message ?? err).slice(0, 200) };
  }
}

function record(report: FuzzReport, kind: string, caseSeed: number, started: number, result: { outcome: string; message: string }, hangMs: number): void {
  const ms = performance.now() - started;
  report.slowestMs = Math.max(report.slowestMs, ms);
  const outcome = ms > hangMs ? 'hung' : result.outcome;
  tally(report, kind, outcome);
  report.cases++;
  if ((outcome === 'hung' || outcome.startsWith('crashed')) && report.problems.length < 20) {
    report.problems.push({ kind, caseSeed, outcome, message: `${result.message} (${ms.toFixed(0)} ms)` });
  }
}

function compareArrays(a: ArrayLike<number>, b: ArrayLike<number>): 'same' | 'different' | 'other size' {
  if (a.length !== b.length) return 'other size';
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return 'different';
  return 'same';
}

/**
 * Mutates valid containers (`files`, decoded to `references` by `model`) and decodes each
 * mutation as `ncomp decompress` would. Kinds rotate through {@link MUTATION_KINDS}.
 */
export async function runContainerFuzz(
  model: DecodingModel,
  files: readonly Uint8Array[],
  references: readonly Float32Array[],
  options: FuzzOptions,
  report = emptyReport(),
): Promise<FuzzReport> {
  const hangMs = options.hangMs ?? 10_000;
  for (let i = 0; i < options.cases; i++) {
    const caseSeed = options.seed + i;
    const r = new Random(caseSeed);
    const kind: MutationKind = MUTATION_KINDS[i % MUTATION_KINDS.length]!;
    const which = r.int(files.length);
    const bytes = mutate(kind, files[which]!, files, r);
    const started = performance.now();
    record(
      report,
      kind,
      caseSeed,
      started,
      await classify(
        () => decodeFile(bytes, model),
        (v) => compareArrays(v, references[which]!),
      ),
      hangMs,
    );
    if (options.onProgress && (i + 1) % (options.progressEvery ?? 1000) === 0) options.onProgress(i + 1);
  }
  return report;
}

/** Peaked tables as a scale hyperprior holds (discretized Laplace, escape mass 2^-8). */
function latentTables(): CdfTables {
  const scales = [0.11, 0.4, 1.5, 6, 25];
  const pmfs = scales.map((b) => {
    const p = Array.from({ length: 61 }, (_, k) => Math.exp(-Math.abs(k - 30) / b));
    const sum = p.reduce((a, c) => a + c, 0);
    return [...p.map((v) => (v / sum) * (1 - 2 ** -8)), 2 ** -8];
  });
  return CdfTables.fromPmfs(
    pmfs,
    pmfs.map(() => -30),
    16,
  );
}

const CODER_KINDS = ['coder bit flip', 'coder truncation', 'coder bytes appended', 'coder wrong count', 'coder other tables', 'coder random bytes'] as const;

/**
 * Damages entropy-coded streams and decodes them directly with both coders: bit flips,
 * truncations, appended bytes, a wrong number of values, other tables, random bytes.
 */
export async function runCoderFuzz(options: FuzzOptions, report = emptyReport()): Promise<FuzzReport> {
  const hangMs = options.hangMs ?? 10_000;
  const tables = latentTables();
  const other = CdfTables.fromPmfs(
    [
      [1, 2, 3, 4, 1],
      [4, 3, 2, 1, 1],
    ],
    [-2, 0],
    12,
  );
  for (let i = 0; i < options.cases; i++) {
    const caseSeed = options.seed + i;
    const r = new Random(caseSeed);
    const coder: EntropyCoder = i % 2 === 0 ? rangeCoder : ransCoder;
    const kindName = CODER_KINDS[Math.floor(i / 2) % CODER_KINDS.length]!;
    const n = r.int(600);
    const indexes = Int32Array.from({ length: n + 8 }, () => r.int(tables.count));
    const values = Int32Array.from({ length: n }, (_, j) => {
      const b = [0.11, 0.4, 1.5, 6, 25][indexes[j]!]!;
      const u = r.next() - 0.5;
      return r.int(200) === 0 ? r.int(2 ** 20) - 2 ** 19 : Math.round(-b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u) + 1e-12));
    });
    const bytes = coder.encode(values, indexes.subarray(0, n), tables);
    let damaged = bytes.slice();
    let idx = indexes.subarray(0, n);
    let t = tables;
    if (kindName === 'coder bit flip' && damaged.length > 0) damaged[r.int(damaged.length)]! ^= 1 << r.int(8);
    else if (kindName === 'coder truncation') damaged = damaged.slice(0, r.int(damaged.length + 1));
    else if (kindName === 'coder bytes appended') damaged = Uint8Array.from([...damaged, ...Array.from({ length: 1 + r.int(4) }, () => r.int(256))]);
    else if (kindName === 'coder wrong count') idx = indexes.subarray(0, Math.max(0, n + r.pick([-8, -3, -1, 1, 2, 8])));
    else if (kindName === 'coder other tables') {
      t = other;
      idx = Int32Array.from(idx, (v) => v % other.count);
    } else if (kindName === 'coder random bytes') damaged = Uint8Array.from({ length: r.int(64) }, () => r.int(256));
    const started = performance.now();
    const result = await classify(
      () => coder.decode(damaged, idx, t),
      (v) => compareArrays(v, values),
    );
    record(report, `${kindName} (${coder.name})`, caseSeed, started, result, hangMs);
    if (options.onProgress && (i + 1) % (options.progressEvery ?? 1000) === 0) options.onProgress(i + 1);
  }
  return report;
}

/** The report as a text table: one row per kind, one column per outcome seen. */
export function formatReport(report: FuzzReport): string {
  const outcomes = [...new Set([...report.counts.values()].flatMap((m) => [...m.keys()]))].sort();
  const kinds = [...report.counts.keys()];
  const w0 = Math.max(4, ...kinds.map((k) => k.length));
  const widths = outcomes.map((o) => Math.max(o.length, 6));
  const row = (first: string, cells: string[]): string => [first.padEnd(w0), ...cells.map((c, i) => c.padStart(widths[i]!))].join('  ');
  const lines = [
    row('case', outcomes),
    row(
      '-'.repeat(w0),
      widths.map((w) => '-'.repeat(w)),
    ),
  ];
  const totals = outcomes.map(() => 0);
  for (const k of kinds) {
    const m = report.counts.get(k)!;
    lines.push(
      row(
        k,
        outcomes.map((o, i) => {
          const v = m.get(o) ?? 0;
          totals[i]! += v;
          return String(v);
        }),
      ),
    );
  }
  lines.push(row('total', totals.map(String)));
  lines.push(`${report.cases} cases; slowest ${report.slowestMs.toFixed(0)} ms`);
  for (const p of report.problems) lines.push(`  ${p.outcome} in "${p.kind}" (case seed ${p.caseSeed}): ${p.message}`);
  return lines.join('\n');
}
