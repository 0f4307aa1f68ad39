/**
 * LPIPS timing: a batch of 8 pairs of 256x256 RGB images, forward (distance) and
 * forward + backward (gradient of the mean distance with respect to the first batch),
 * per backend and backbone. Prints the median of `--runs` timed runs after one warm-up.
 * Weights come from ../shared/data/lpips (beside the repository).
 *
 * Usage (from the repository root):
 *   npx tsx packages/losses/bench/lpips.bench.ts [--backends wasm,cpu] [--nets alex,squeeze]
 *     [--batch 8] [--size 256] [--runs 3]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '@ncomp/core';
import type { LpipsNet } from '../src/index.js';
import { Lpips } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    nets: { type: 'string', default: 'alex,squeeze' },
    batch: { type: 'string', default: '8' },
    size: { type: 'string', default: '256' },
    runs: { type: 'string', default: '3' },
  },
});
const batch = Number(args.batch);
const size = Number(args.size);
const runs = Number(args.runs);
const dir = fileURLToPath(new URL('../../../../shared/data/lpips/', import.meta.url));
if (!existsSync(dir)) {
  console.error(`LPIPS weights not found: ${dir} is absent (it lives in ../shared/data beside the repository)`);
  process.exit(1);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function time(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const t0 = performance.now();
  const out = fn();
  const list = Array.isArray(out) ? out : [out];
  for (const t of list) await t.data();
  const ms = performance.now() - t0;
  tf.dispose(list);
  return ms;
}

console.log(`LPIPS, ${batch} pairs of ${size}x${size} RGB, median of ${runs} runs (ms)`);
console.log('backend  net      forward  forward+backward  peak tensor MiB (fwd+bwd)');
for (const backend of args.backends.split(',')) {
  await setBackend(backend as 'wasm' | 'cpu');
  for (const net of args.nets.split(',') as LpipsNet[]) {
    const model = await Lpips.fromFile(join(dir, `lpips_${net}_v0.1.safetensors`), net);
    const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.05, 'float32', 2)), 0, 1)) as tf.Tensor4D;
    const forward = (): tf.Tensor => model.distance(x, y);
    const grad = tf.grad((a: tf.Tensor) => model.distance(a as tf.Tensor4D, y, { reduction: 'mean' }));
    const backward = (): tf.Tensor => grad(x);
    const fwd: number[] = [];
    const bwd: number[] = [];
    await time(forward);
    for (let r = 0; r < runs; r++) fwd.push(await time(forward));
    let peak = 0;
    try {
      tf.engine().startScope();
      const info = await tf.profile(() => backward());
      peak = info.peakBytes;
      tf.engine().endScope();
      for (let r = 0; r < runs; r++) bwd.push(await time(backward));
    } catch (err) {
      console.log(`${backend.padEnd(8)} ${net.padEnd(8)} backward failed: ${(err as Error).message}`);
    }
    const b = bwd.length > 0 ? median(bwd).toFixed(0) : 'n/a';
    console.log(`${backend.padEnd(8)} ${net.padEnd(8)} ${median(fwd).toFixed(0).padStart(7)}  ${b.padStart(16)}  ${(peak / 2 ** 20).toFixed(0).padStart(9)}`);
    tf.dispose([x, y]);
    model.dispose();
  }
}
