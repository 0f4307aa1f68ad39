/**
 * Data-parallel training benchmark: rate-distortion training steps of the default model
 * (`block-hyperprior` {"N":64,"M":192,"lambdas":[0.0025,0.0079,0.025,0.08],"prior":"laplace"})
 * at batch 8 of 128x128 crops, with {@link RdTrainer} on this thread alone (1 worker) and
 * with {@link DataParallelRdTrainer} on 2 threads (this one and a worker thread), on the
 * wasm backend (single-threaded in Node.js, so one trainer uses one core).
 *
 * The trainers are built up front and stepped in turns (1, 2, 1, 2, ...) after warm-up
 * steps, so a load that comes and goes weighs on all of them alike. Printed per worker
 * count: the median wall time of a step, the median CPU time of the process per step (all
 * threads: the work done, steadier on a shared machine), and the speed-up over 1 worker.
 * The load average is printed before and after: on a machine where other jobs hold a
 * core, 2 workers cannot be twice as fast.
 *
 * Usage (from packages/models, after `npm run build`: the worker threads run `dist/`):
 * `npx tsx bench/data-parallel.bench.ts [--workers 1,2] [--steps 8] [--warmup 2] [--batch 8] [--crop 128] [--backend wasm]`.
 */
import { setBackend, type BackendChoice } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  DataParallelRdTrainer,
  RandomCropSampler,
  RdTrainer,
  SeededRandom,
  createModel,
  modelEntry,
  type RgbImage,
  type StepReport,
} from '../src/index.node.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Smooth synthetic photos-to-be (the step's cost does not depend on the content). */
function images(count: number, size: number): RgbImage[] {
  const rng = new SeededRandom(3);
  return Array.from({ length: count }, () => {
    const pixels = new Uint8Array(size * size * 3);
    const [a, f, g] = [rng.next() * 6, 0.02 + rng.next() * 0.1, 0.02 + rng.next() * 0.1];
    for (let i = 0; i < size * size; i++) {
      const x = i % size;
      const y = Math.floor(i / size);
      const v = 127 + 100 * Math.sin(f * x + g * y + a);
      pixels.set([v, (v + 60 * Math.sin(y * 0.05)) & 255, x > size / 2 ? 190 : 60], 3 * i);
    }
    return { pixels, width: size, height: size };
  });
}

const loads = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Candidate {
  readonly workers: number;
  readonly step: () => Promise<StepReport> | StepReport;
  readonly dispose: () => Promise<void>;
  readonly wall: number[];
  readonly cpu: number[];
}

async function main(): Promise<void> {
  const counts = arg('--workers', '1,2').split(',').map(Number);
  const steps = Number(arg('--steps', '8'));
  const warmup = Number(arg('--warmup', '2'));
  const batchSize = Number(arg('--batch', '8'));
  const crop = Number(arg('--crop', '128'));
  const name = 'block-hyperprior';
  const config = modelEntry(name).defaultConfig;
  await setBackend(arg('--backend', 'wasm') as BackendChoice);
  console.log(
    `${name} ${JSON.stringify(config)}, batch ${batchSize} of ${crop}x${crop}, backend ${tf.getBackend()}; ${warmup} warm-up + ${steps} measured steps per worker count`,
  );
  console.log(`load average (1, 5, 15 min) before: ${loads()}`);
  const data = images(8, 2 * crop);
  const candidates: Candidate[] = [];
  for (const workers of counts) {
    const model = createModel(name, config);
    const trainer = new RdTrainer(model, new RandomCropSampler(data, crop, 1), { steps: 1000, batchSize, seed: 1 });
    const dp = workers > 1 ? await DataParallelRdTrainer.start(trainer, { model: name, config }, { workers }) : undefined;
    candidates.push({
      workers,
      step: () => (dp ? dp.trainStep() : trainer.trainStep()),
      dispose: async () => {
        await dp?.dispose();
        trainer.optimizer.dispose();
        model.dispose();
      },
      wall: [],
      cpu: [],
    });
  }
  try {
    for (const c of candidates) for (let i = 0; i < warmup; i++) await c.step();
    for (let i = 0; i < steps; i++) {
      for (const c of candidates) {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await c.step();
        c.wall.push(performance.now() - t0);
        const d = process.cpuUsage(cpu0);
        c.cpu.push((d.user + d.system) / 1000);
      }
    }
  } finally {
    for (const c of candidates) await c.dispose();
  }
  console.log(`load average (1, 5, 15 min) after:  ${loads()}`);
  const base = candidates.find((c) => c.workers === 1);
  console.log('workers  median step (wall)  median CPU per step (all threads)  speed-up over 1 worker');
  for (const c of candidates) {
    const wall = median(c.wall);
    const ratio = base ? (median(base.wall) / wall).toFixed(2) : '-';
    console.log(`${String(c.workers).padStart(7)}  ${wall.toFixed(0).padStart(16)} ms  ${median(c.cpu).toFixed(0).padStart(31)} ms  ${ratio.padStart(22)}`);
  }
}

await main();
