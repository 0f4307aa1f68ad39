/**
 * How often a decode of the wrong number of values is accepted by each coder's finish
 * check (issue 17 measured 28 % for the range coder): streams of latent-like values
 * (peaked tables, mostly the most probable symbol), decoded with 1..4 values fewer or more.
 * Run: npx tsx packages/entropy/bench/wrong-length.bench.ts [trials]
 */
import { CorruptStreamError } from '@ncomp/core/errors';
import { CdfTables, rangeCoder, ransCoder, type EntropyCoder } from '../src/coding/index.js';

const trials = Number(process.argv[2] ?? 2000);
let seed = 12345;
const rand = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;

// Discretized Laplace tables of several scales, as a hyperprior's scale table would hold.
const scales = [0.11, 0.3, 1, 3, 10];
const pmfs = scales.map((b) => {
  const p: number[] = [];
  for (let k = -20; k <= 20; k++) p.push(Math.exp(-Math.abs(k) / b));
  const sum = p.reduce((a, c) => a + c, 0);
  return [...p.map((v) => (v / sum) * (1 - 2 ** -8)), 2 ** -8];
});
const tables = CdfTables.fromPmfs(
  pmfs,
  pmfs.map(() => -20),
  16,
);

function sample(index: number): number {
  const b = scales[index]!;
  const u = rand() - 0.5;
  return Math.max(-20, Math.min(20, Math.round(-b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u)))));
}

for (const coder of [rangeCoder, ransCoder] as EntropyCoder[]) {
  let accepted = 0;
  let total = 0;
  for (let t = 0; t < trials; t++) {
    const n = 20 + Math.floor(rand() * 500);
    const indexes = Int32Array.from({ length: n + 4 }, () => Math.floor(rand() * scales.length));
    const values = Int32Array.from({ length: n }, (_, i) => sample(indexes[i]!));
    const bytes = coder.encode(values, indexes.subarray(0, n), tables);
    for (const delta of [-4, -3, -2, -1, 1, 2, 3, 4]) {
      total++;
      try {
        coder.decode(bytes, indexes.subarray(0, n + delta), tables);
        accepted++;
      } catch (err) {
        if (!(err instanceof CorruptStreamError)) throw err;
      }
    }
  }
  console.log(`${coder.name}: ${accepted} of ${total} wrong-length decodes accepted (${((100 * accepted) / total).toFixed(2)} %)`);
}
