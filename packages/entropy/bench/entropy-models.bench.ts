/**
 * Entropy-model benchmark: compress and decompress a 1x32x48x320 latent (a 512x768
 * image at 1/16 resolution, 320 channels) with the Gaussian LocationScaleIndexedEntropyModel
 * (64 scales, as in hyperprior codecs), with both coders. Prints milliseconds, median of
 * 5 runs after a warm-up, with table building excluded and included.
 *
 * Usage: `npm run bench -w @ncomp/entropy` (runs after the coder benchmark) or
 * `npx tsx bench/entropy-models.bench.ts [--backend wasm|cpu]`.
 */
import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { performance } from 'node:perf_hooks';
import { LocationScaleIndexedEntropyModel, type CoderName } from '../src/index.js';

const RUNS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const time = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--backend');
  const backend = (arg >= 0 ? process.argv[arg + 1] : 'wasm') as 'wasm' | 'cpu';
  const report = await setBackend(backend);
  const shape = [1, 32, 48, 320];
  const n = shape.reduce((a, b) => a * b, 1);
  const scaleFn = (i: tf.Tensor): tf.Tensor => tf.exp(tf.add(Math.log(0.11), tf.mul(i, Math.log(256 / 0.11) / 63)));
  // A latent with realistic statistics: scales spread over the table, values ~ N(loc, scale).
  const idx = tf.tidy(() => tf.floor(tf.randomUniform(shape, 0, 40, 'float32', 1)));
  const loc = tf.tidy(() => tf.randomNormal(shape, 0, 2, 'float32', 2));
  const x = tf.tidy(() => tf.add(loc, tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 3), scaleFn(idx))));
  console.log(
    `Entropy-model benchmark: LocationScaleIndexedEntropyModel (normal, 64 scales, 12-bit tables), latent [${shape.join(', ')}] = ${n.toLocaleString('en')} values`,
  );
  console.log(`backend ${report.chosen}; median of ${RUNS} runs after a warm-up; milliseconds`);
  console.log('');
  const header = ['coder', 'build tables', 'compress', 'decompress', 'build + compress', 'bytes', 'bpp (512x768)'];
  const rows: string[][] = [];
  for (const coder of ['rans', 'range'] as CoderName[]) {
    const builds: number[] = [];
    let em: LocationScaleIndexedEntropyModel | undefined;
    for (let r = 0; r <= RUNS; r++) {
      em?.dispose();
      const t = time(() => {
        em = new LocationScaleIndexedEntropyModel({ numScales: 64, scaleFn, codingRank: 3, compression: true, coder });
      });
      if (r > 0) builds.push(t);
    }
    const model = em!;
    let strings: Uint8Array[] = [];
    const comp: number[] = [];
    const decomp: number[] = [];
    for (let r = 0; r <= RUNS; r++) {
      let t0 = performance.now();
      strings = await model.compressWithLoc(x, idx, loc);
      const tc = performance.now() - t0;
      t0 = performance.now();
      (await model.decompressWithLoc(strings, idx, loc)).dispose();
      const td = performance.now() - t0;
      if (r > 0) {
        comp.push(tc);
        decomp.push(td);
      }
    }
    const bytes = strings.reduce((a, s) => a + s.length, 0);
    rows.push([
      coder,
      median(builds).toFixed(1),
      median(comp).toFixed(1),
      median(decomp).toFixed(1),
      (median(builds) + median(comp)).toFixed(1),
      bytes.toLocaleString('en'),
      ((bytes * 8) / (512 * 768)).toFixed(4),
    ]);
    model.dispose();
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  tf.dispose([x, idx, loc]);
}

await main();
