/**
 * DataParallelRdTrainer against RdTrainer. The worker threads run the built package
 * (`dist/`, see workerScriptUrl): `npm test` builds before vitest; run `npm run build`
 * first when running this file alone.
 */
import { InvalidArgumentError, ModelMismatchError, NcompError, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageCodec } from '../../codec/image-codec.js';
import { createModel } from '../../zoo/registry.js';
import { readCheckpoint, restoreTrainer, writeCheckpoint } from '../checkpoint.js';
import { RandomCropSampler, type RgbImage } from '../crop-sampler.js';
import { RdTrainer, type RdTrainOptions, type StepReport } from '../rd-trainer.js';
import { SeededRandom } from '../rng.js';
import { DataParallelRdTrainer } from './data-parallel-trainer.js';
import { splitSizes } from './packing.js';

let dir: string;
beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-dp-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Smooth synthetic images with an edge. */
function images(count: number, w: number, h: number): RgbImage[] {
  const rng = new SeededRandom(11);
  return Array.from({ length: count }, () => {
    const pixels = new Uint8Array(w * h * 3);
    const a = rng.next() * 6;
    const f = 0.05 + rng.next() * 0.1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = 127 + 100 * Math.sin(f * x + 0.7 * f * y + a);
        const i = (y * w + x) * 3;
        pixels[i] = v;
        pixels[i + 1] = 255 - v;
        pixels[i + 2] = x > w / 2 ? 200 : 40;
      }
    }
    return { pixels, width: w, height: h };
  });
}

const spec = { model: 'bmshj2018', config: { N: 4, M: 4, lambdas: [0.005, 0.05] } };
// Noise off: a step is then a deterministic function of weights and batch, so the two
// trainers must agree to float precision. Batch 3 on 2 threads splits 2 + 1 (unequal weights);
// the gradient norms (~10^2) exceed clipNorm 1, so clipping is exercised; lr multipliers too.
const options: RdTrainOptions = { steps: 10, batchSize: 3, learningRate: 1e-3, seed: 5, noise: false, learningRateMultipliers: { 'latent_codec.': 3 } };
const data = images(4, 96, 80);

function trainerOn(model: ImageCodec): RdTrainer {
  return new RdTrainer(model, new RandomCropSampler(data, 64, 2), options);
}

/** Two models with the same weights. */
function twins(): [ImageCodec, ImageCodec] {
  const a = createModel(spec.model, spec.config);
  const b = createModel(spec.model, spec.config);
  const dict = a.stateDict();
  b.loadStateDict(dict);
  tf.dispose(Object.values(dict).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
  return [a, b];
}

/** The largest weight difference, and the share of weights that differ by more than `tol`. */
function weightDifference(a: ImageCodec, b: ImageCodec, tol: number): { max: number; shareAbove: number } {
  const vb = b.namedVariables();
  let max = 0;
  let above = 0;
  let total = 0;
  for (const [name, v] of a.namedVariables()) {
    const d = tf.tidy(() => tf.abs(tf.sub(v, vb.get(name)!)).dataSync() as Float32Array);
    for (const x of d) {
      max = Math.max(max, x);
      if (x > tol) above += 1;
    }
    total += d.length;
  }
  return { max, shareAbove: above / total };
}

function expectSameStep(parallel: StepReport, single: StepReport): void {
  expect(parallel.step).toBe(single.step);
  expect(parallel.level).toBe(single.level);
  expect(parallel.learningRate).toBe(single.learningRate);
  // float32 sums in another order: relative differences of a few 1e-6
  for (const key of ['loss', 'mse', 'bpp', 'gradNorm'] as const) expect(Math.abs(parallel[key] - single[key]) / Math.abs(single[key])).toBeLessThan(1e-4);
}

describe('splitSizes', () => {
  it('splits a batch into near-equal runs, the longer first', () => {
    expect(splitSizes(8, 2)).toEqual([4, 4]);
    expect(splitSizes(5, 2)).toEqual([3, 2]);
    expect(splitSizes(7, 3)).toEqual([3, 2, 2]);
    expect(splitSizes(1, 1)).toEqual([1]);
  });
});

describe('DataParallelRdTrainer', () => {
  it('makes the same steps as RdTrainer on 2 threads, leaks no tensors, and stops its workers on dispose', async () => {
    const [a, b] = twins();
    const single = trainerOn(a);
    const dp = await DataParallelRdTrainer.start(trainerOn(b), spec, { workers: 2 });
    expect(dp.workers).toBe(2);
    expect(dp.runningWorkers).toBe(1);
    try {
      expectSameStep(await dp.trainStep(), single.trainStep()); // also initializeFromData and the Adam moments
      const before = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) expectSameStep(await dp.trainStep(), single.trainStep());
      expect(tf.memory().numTensors).toBe(before);
      expect(dp.trainer.state).toEqual(single.state);
      // lr 1e-3. Adam moves a weight by ~lr * sign(g) where |g| is tiny, so float32 sums in
      // another order may flip the sign of a near-zero gradient component: such weights may
      // differ by up to 2 lr per step (seen: 5e-5 once in CI). All others agree to 1e-5.
      const diff = weightDifference(a, b, 1e-5);
      expect(diff.shareAbove).toBeLessThan(1e-3);
      expect(diff.max).toBeLessThan(6e-3);
      // Disposing while a step is in flight rejects that step; no thread is left.
      const pending = dp.trainStep();
      const disposed = dp.dispose();
      await expect(pending).rejects.toThrow(NcompError);
      await disposed;
      expect(dp.runningWorkers).toBe(0);
      await expect(dp.trainStep()).rejects.toThrow(/disposed/);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await dp.dispose();
      single.optimizer.dispose();
      dp.trainer.optimizer.dispose();
      a.dispose();
      b.dispose();
    }
  });

  it('resumes a checkpoint of a single-thread run on 2 threads, continuing the same sequence', async () => {
    const [a, b] = twins();
    const reference = trainerOn(a);
    const first = trainerOn(b);
    for (let i = 0; i < 2; i++) {
      reference.trainStep();
      first.trainStep();
    }
    const run = join(dir, 'resume');
    await writeCheckpoint(run, first, spec.model, spec.config);
    first.optimizer.dispose();
    b.dispose();
    const checkpoint = await readCheckpoint(run);
    const model = checkpoint.loaded.model;
    const resumed = new RdTrainer(model, new RandomCropSampler(data, 64, 2), checkpoint.info.options);
    restoreTrainer(resumed, checkpoint);
    const dp = await DataParallelRdTrainer.start(resumed, { model: checkpoint.info.model, config: checkpoint.info.config }, { workers: 2 });
    try {
      expectSameStep(await dp.trainStep(), reference.trainStep());
      expect(resumed.state).toEqual(reference.state);
      const diff = weightDifference(a, model, 1e-5); // as above: only near-zero-gradient weights may differ more
      expect(diff.shareAbove).toBeLessThan(1e-3);
      expect(diff.max).toBeLessThan(6e-3);
    } finally {
      await dp.dispose();
      reference.optimizer.dispose();
      resumed.optimizer.dispose();
      a.dispose();
      model.dispose();
    }
  });

  it('refuses thread counts outside 1..batch size', async () => {
    const model = createModel(spec.model, spec.config);
    const trainer = trainerOn(model);
    await expect(DataParallelRdTrainer.start(trainer, spec, { workers: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(DataParallelRdTrainer.start(trainer, spec, { workers: 4 })).rejects.toThrow(/workers \(4\) exceeds the batch size \(3\)/);
    model.dispose();
  });

  it('surfaces worker failures as errors: an unknown model, another model, a crashed thread', async () => {
    const model = createModel(spec.model, spec.config);
    const trainer = trainerOn(model);
    const unknown = DataParallelRdTrainer.start(trainer, { model: 'no-such-model' }, { workers: 2 });
    await expect(unknown).rejects.toThrow(InvalidArgumentError);
    await expect(unknown).rejects.toThrow(/gradient worker 1 failed to start: unknown model "no-such-model"/);
    const other = DataParallelRdTrainer.start(trainer, { model: spec.model, config: { ...spec.config, M: 8 } }, { workers: 2 });
    await expect(other).rejects.toThrow(ModelMismatchError);
    await expect(other).rejects.toThrow(/differs from the trained model at variable \d+: analysis\.\S+ \[5, 5, 4, 8\]/);
    // A heap too small to load TF.js: the thread dies (an 'error' event, no message of its own).
    await expect(DataParallelRdTrainer.start(trainer, spec, { workers: 2, resourceLimits: { maxOldGenerationSizeMb: 2 } })).rejects.toThrow(
      /gradient worker 1 crashed: .*memory/,
    );
    model.dispose();
  });
});
