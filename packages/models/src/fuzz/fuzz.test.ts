/**
 * The CI fuzz suite (issue 17): a few thousand mutations of real .ncomp files (damage the
 * CRC catches, damage and forged fields with the CRC recomputed, forged geometry) and of
 * entropy-coded streams. Nothing may crash (only typed NcompErrors), nothing may leak a
 * tensor, and damage the CRC sees is always refused. `npm run fuzz` runs the same cases
 * at length (10^6 by default) and prints the table.
 */
import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeFile, type DecodingModel } from './decode-file.js';
import { type emptyReport, formatReport, runCoderFuzz, runContainerFuzz } from './fuzz-runner.js';
import { fuzzFixtures } from './fixtures.js';

let model: DecodingModel;
let files: Uint8Array[];
let references: Float32Array[];

beforeAll(async () => {
  await setBackend('wasm');
  ({ model, files, references } = await fuzzFixtures());
});

const outcomesOf = (report: ReturnType<typeof emptyReport>, kind?: string): string[] =>
  [...report.counts].filter(([k]) => kind === undefined || k === kind).flatMap(([, m]) => [...m.keys()]);

describe('fuzz', () => {
  it('2,700 container mutations: typed refusals only, no leak; CRC-visible damage always refused', async () => {
    const before = tf.memory().numTensors;
    const report = await runContainerFuzz(model, files, references, { cases: 2700, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    console.log(formatReport(report));
    expect(report.problems).toEqual([]);
    expect(outcomesOf(report).filter((o) => o.startsWith('crashed') || o === 'hung')).toEqual([]);
    for (const kind of ['bit flip', 'truncation', 'insertion', 'deletion']) {
      expect(outcomesOf(report, kind).every((o) => o.startsWith('refused'))).toBe(true);
    }
    // A forged geometry never decodes to other pixels: it is refused, or it only moves the
    // crop within the coded (padded) size, which nothing but a header digest could notice.
    expect(outcomesOf(report, 'forged geometry + CRC').filter((o) => o === 'decoded: different')).toEqual([]);
    expect(outcomesOf(report, 'forged geometry + CRC')).toContain('refused: LimitExceededError');
  });

  it('2,400 coder mutations (range and rANS): CorruptStreamError or a decode, never a crash', async () => {
    const report = await runCoderFuzz({ cases: 2400, seed: 7 });
    console.log(formatReport(report));
    expect(outcomesOf(report).filter((o) => !o.startsWith('decoded') && o !== 'refused: CorruptStreamError')).toEqual([]);
    // Wrong counts, other tables and appended bytes are always noticed by the finish checks
    // (a stream of no values decodes as such under any tables).
    for (const kind of [
      'coder wrong count (range)',
      'coder wrong count (rans)',
      'coder other tables (range)',
      'coder other tables (rans)',
      'coder bytes appended (range)',
      'coder bytes appended (rans)',
    ]) {
      expect(outcomesOf(report, kind).filter((o) => o === 'decoded: different' || o === 'decoded: other size')).toEqual([]);
    }
  });

  it('the fixtures decode to their references', async () => {
    for (const [i, f] of files.entries()) expect(await decodeFile(f, model)).toEqual(references[i]);
  });
});
