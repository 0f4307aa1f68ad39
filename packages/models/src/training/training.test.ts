import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../zoo/registry.js';
import { hasCheckpoint, readCheckpoint, restoreTrainer, writeCheckpoint } from './checkpoint.js';
import { RandomCropSampler, type RgbImage } from './crop-sampler.js';
import { RdTrainer } from './rd-trainer.js';
import { SeededRandom } from './rng.js';

let dir: string;
beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Smooth synthetic images (gradients and a few edges), so a tiny model can learn them. */
function syntheticImages(count: number, w: number, h: number): RgbImage[] {
  const rng = new SeededRandom(7);
  return Array.from({ length: count }, () => {
    const pixels = new Uint8Array(w * h * 3);
    const a = rng.next() * 255;
    const fx = rng.next() * 0.1;
    const fy = rng.next() * 0.1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = 127 + 100 * Math.sin(fx * x + fy * y + a);
        const i = (y * w + x) * 3;
        pixels[i] = v;
        pixels[i + 1] = (v + a) % 256;
        pixels[i + 2] = x > w / 2 ? 200 : 50;
      }
    }
    return { pixels, width: w, height: h };
  });
}

const config = { N: 8, M: 12, lambdas: [0.005, 0.05] };

describe('SeededRandom and RandomCropSampler', () => {
  it('are deterministic per seed and resumable from their state', () => {
    const s = new RandomCropSampler(syntheticImages(3, 80, 70), 64, 5);
    const a = s.next(2);
    const state = s.state;
    const b = s.next(2);
    s.state = state;
    const b2 = s.next(2);
    expect(Array.from(b2.dataSync())).toEqual(Array.from(b.dataSync()));
    const t = new RandomCropSampler(syntheticImages(3, 80, 70), 64, 5);
    const a2 = t.next(2);
    expect(Array.from(a2.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(a.shape).toEqual([2, 64, 64, 3]);
    const [min, max] = tf.tidy(() => [tf.min(a).dataSync()[0]!, tf.max(a).dataSync()[0]!]);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    tf.dispose([a, b, b2, a2]);
  });
  it('refuses sets with no image large enough', () => {
    expect(() => new RandomCropSampler(syntheticImages(2, 30, 30), 64, 1)).toThrow(/no training image is at least 64x64/);
  });
});

describe('RdTrainer', () => {
  it('lowers the rate-distortion loss on a fixed small set, without leaking tensors', () => {
    const model = createModel('bmshj2018', config);
    const trainer = new RdTrainer(model, new RandomCropSampler(syntheticImages(2, 64, 64), 64, 1), { steps: 40, batchSize: 2, learningRate: 3e-3, seed: 3 });
    const before = tf.memory().numTensors;
    trainer.trainStep(); // creates the optimizer moments
    const withMoments = tf.memory().numTensors;
    expect(withMoments - before).toBe(2 * trainer.parameters.size);
    const losses: number[] = [];
    for (let i = 0; i < 39; i++) losses.push(trainer.trainStep().loss);
    expect(tf.memory().numTensors).toBe(withMoments);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-8))).toBeLessThan(0.7 * mean(losses.slice(0, 8)));
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('refuses a crop size the model cannot code and a missing lambda', () => {
    const model = createModel('bls2017', { N: 4, M: 4 });
    expect(() => new RdTrainer(model, new RandomCropSampler(syntheticImages(1, 80, 80), 40, 1), { steps: 1, batchSize: 1, lambda: 0.01 })).toThrow(
      /multiple of 16/,
    );
    expect(() => new RdTrainer(model, new RandomCropSampler(syntheticImages(1, 80, 80), 64, 1), { steps: 1, batchSize: 1 })).toThrow(/needs lambda/);
    model.dispose();
  });
});

describe('checkpoints', () => {
  it('resume to the same state: weights, moments, generators; training continues identically', async () => {
    const images = syntheticImages(2, 64, 64);
    const model = createModel('mbt2018-mean', config);
    const trainer = new RdTrainer(model, new RandomCropSampler(images, 64, 1), { steps: 10, batchSize: 1, learningRate: 1e-3, seed: 3 });
    for (let i = 0; i < 3; i++) trainer.trainStep();
    const run = join(dir, 'run');
    expect(await hasCheckpoint(run)).toBe(false);
    await writeCheckpoint(run, trainer, 'mbt2018-mean', config, { note: 'x' });
    for (let i = 0; i < 2; i++) trainer.trainStep();
    await writeCheckpoint(run, trainer, 'mbt2018-mean', config, { note: 'x' });
    expect((await readdir(run)).sort()).toEqual(['checkpoint.json', 'model-5.safetensors', 'optimizer-5.safetensors']);

    const cp = await readCheckpoint(run);
    expect(cp.info.state.step).toBe(5);
    expect(cp.info.extra).toEqual({ note: 'x' });
    const resumed = new RdTrainer(cp.loaded.model, new RandomCropSampler(images, 64, 999), cp.info.options);
    restoreTrainer(resumed, cp);
    expect(resumed.state).toEqual(trainer.state);
    const a = model.stateDict();
    const b = resumed.model.stateDict();
    for (const k of Object.keys(a)) expect(Array.from(b[k]!.dataSync())).toEqual(Array.from(a[k]!.dataSync()));
    tf.dispose([...Object.values(a), ...Object.values(b)]);
    const ma = trainer.optimizer.stateDict();
    const mb = resumed.optimizer.stateDict();
    for (const k of Object.keys(ma.tensors)) expect(Array.from(mb.tensors[k]!.dataSync())).toEqual(Array.from(ma.tensors[k]!.dataSync()));
    tf.dispose([...Object.values(ma.tensors), ...Object.values(mb.tensors)]);
    // Same crops and levels from here on (the quantization noise is not seeded, so losses differ slightly).
    const ra = trainer.trainStep();
    const rb = resumed.trainStep();
    expect(rb.level).toBe(ra.level);
    expect(rb.step).toBe(ra.step);
    expect(Math.abs(rb.loss - ra.loss) / ra.loss).toBeLessThan(0.2);
    trainer.optimizer.dispose();
    resumed.optimizer.dispose();
    model.dispose();
    resumed.model.dispose();
  });

  it('refuses a missing or damaged checkpoint with a clear message', async () => {
    await expect(readCheckpoint(join(dir, 'nothing'))).rejects.toThrow(/no checkpoint in/);
    const bad = join(dir, 'bad');
    await rm(bad, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(bad));
    await writeFile(join(bad, 'checkpoint.json'), '{"format": 1');
    await expect(readCheckpoint(bad)).rejects.toThrow(/not valid JSON/);
  });
});
