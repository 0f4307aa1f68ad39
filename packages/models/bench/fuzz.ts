/**
 * Long fuzz runs (issue 17): `npm run fuzz -- [--cases N] [--seed S] [--model tiny|default]
 * [--hang-ms MS]`. Half the cases mutate .ncomp files of the model (bit flips, truncations,
 * insertions, deletions, stream damage and forged header fields or geometry with the CRC
 * recomputed, splices) and decode them as `ncomp decompress` does; half damage
 * entropy-coded streams for the range and rANS decoders directly. Prints a table of
 * outcomes (refused by which typed error / decoded to the same, another or another-sized
 * image / crashed / hung) and exits 1 if anything crashed or hung.
 * Default: 10^6 cases, seed 1, the tiny untrained model (the shipped model is slower).
 */
import { setBackend } from '@ncomp/core';
import { DEFAULT_MODEL_FILE, loadModelFile } from '@ncomp/models';
import { parseArgs } from 'node:util';
import { fuzzFixtures } from '../src/fuzz/fixtures.js';
import { emptyReport, formatReport, runCoderFuzz, runContainerFuzz } from '../src/fuzz/fuzz-runner.js';

const { values } = parseArgs({
  options: { cases: { type: 'string' }, seed: { type: 'string' }, model: { type: 'string' }, 'hang-ms': { type: 'string' } },
});
const cases = Number(values.cases ?? 1_000_000);
const seed = Number(values.seed ?? 1);
const hangMs = Number(values['hang-ms'] ?? 10_000);
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed) || !(hangMs > 0)) {
  console.error('usage: npm run fuzz -- [--cases <positive integer>] [--seed <integer>] [--model tiny|default] [--hang-ms <ms>]');
  process.exit(2);
}

await setBackend('wasm');
const loaded = values.model === 'default' ? await loadModelFile(DEFAULT_MODEL_FILE) : undefined;
const { model, files, references } = loaded ? await fuzzFixtures(loaded.model, loaded.name) : await fuzzFixtures();
const started = performance.now();
const progress = (label: string) => (done: number) => {
  const s = (performance.now() - started) / 1000;
  process.stderr.write(`\r${label}: ${done} cases, ${s.toFixed(0)} s`);
};
const containerCases = Math.ceil(cases / 2);
const report = await runContainerFuzz(
  model,
  files,
  references,
  { cases: containerCases, seed, hangMs, onProgress: progress('containers'), progressEvery: 1000 },
  emptyReport(),
);
process.stderr.write('\n');
await runCoderFuzz({ cases: cases - containerCases, seed: seed + containerCases, hangMs, onProgress: progress('coders'), progressEvery: 5000 }, report);
process.stderr.write('\n');
console.log(formatReport(report));
console.log(`${((performance.now() - started) / 1000).toFixed(1)} s in all (model: ${values.model === 'default' ? 'default' : 'tiny bmshj2018'})`);
process.exitCode = report.problems.length > 0 ? 1 : 0;
