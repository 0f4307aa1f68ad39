/**
 * GAN training on webgpu: `ncomp train --model hific | mric --backend webgpu` (stage 1,
 * stage 2 from the stage-1 run, resume, export), and the library's `trainStepAsync` on
 * webgpu against `trainStep` on wasm from the same seeded weights. Tiny configurations, no
 * LPIPS. Runs where Dawn finds an adapter (a GPU, or Mesa 25's lavapipe:
 * `scripts/setup-webgpu.sh`); skipped with the reason elsewhere, unless
 * NCOMP_REQUIRE_WEBGPU=1 (CI), where a missing adapter fails the run instead.
 */
import { setBackend, type Module } from '@ncomp/core';
import {
  EGIC_SMALL_CONFIG,
  EgicTrainer,
  GanTrainer,
  HIFIC_SMALL_CONFIG,
  LabeledCropSampler,
  MRIC_SMALL_CONFIG,
  MricTrainer,
  RandomCropSampler,
  SeededRandom,
  egic,
  egicDiscriminator,
  hific,
  mric,
  mricDiscriminator,
  type GanStepReportBase,
  type RgbImage,
} from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ncomp, writeTestImage } from './test-helpers.js';

const unavailable = await setBackend('webgpu').then(
  () => undefined,
  (error: unknown) => (error instanceof Error ? error.message : String(error)),
);
const required = process.env['NCOMP_REQUIRE_WEBGPU'] === '1';
if (unavailable !== undefined && !required) console.warn(`webgpu GAN tests skipped: ${unavailable.split('. ')[0]}`);

let dir: string;
let data: string;
const GPU = ['--backend', 'webgpu'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncomp-gan-webgpu-'));
  data = join(dir, 'data');
  await mkdir(data);
  await writeTestImage(join(data, 'a.png'), 72, 70, 1);
  await writeTestImage(join(data, 'b.png'), 80, 66, 2);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

type LogLine = { step: number; loss: number; bpp: number; g?: number | null; d?: number | null };
const logOf = async (run: string): Promise<LogLine[]> =>
  (await readFile(join(run, 'train-log.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LogLine);

/** Runs `ncomp train` on webgpu and checks that it ran without a synchronous read. */
async function train(...args: string[]): Promise<string> {
  const r = await ncomp('train', '--data', data, '--crop', '64', '--batch', '1', '--log-every', '1', '--lpips', 'none', ...args, ...GPU);
  expect(r.stderr).not.toContain('unexpected error');
  expect(r.stderr).not.toContain('synchronously');
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
}

describe('WebGPU adapter', () => {
  it.runIf(required)('is present where NCOMP_REQUIRE_WEBGPU=1 (CI, after scripts/setup-webgpu.sh)', () => {
    expect(unavailable).toBeUndefined();
  });
});

describe.skipIf(unavailable !== undefined)('GAN training on webgpu', () => {
  it('ncomp train --model hific: stage 1 steps on webgpu (data-dependent initialisation, the λ switch in the graph)', async () => {
    const run = join(dir, 'hific-1');
    const log = await train('--model', 'hific', '--config', JSON.stringify(HIFIC_SMALL_CONFIG), '--downscale', 'none', '--out', run, '--steps', '2');
    expect(log).toContain('step 2/2');
    const lines = await logOf(run);
    expect(lines.map((l) => l.step)).toEqual([1, 2]);
    for (const l of lines) expect(Number.isFinite(l.loss) && l.bpp > 0).toBe(true);
  });

  it('ncomp train --model mric: stage 1, stage 2 from it (discriminator steps), resumed, exported', async () => {
    const s1 = join(dir, 'mric-1');
    const s2 = join(dir, 'mric-2');
    await train('--model', 'mric', '--config', JSON.stringify(MRIC_SMALL_CONFIG), '--out', s1, '--steps', '1');
    await train('--model', 'mric', '--stage', '2', '--init', s1, '--out', s2, '--steps', '2', '--checkpoint-every', '2');
    const exported = join(dir, 'mric.safetensors');
    const log = await train('--model', 'mric', '--resume', '--out', s2, '--steps', '3', '--export', exported);
    expect(log).toContain('step 3/3');
    const lines = await logOf(s2);
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
    for (const l of lines) {
      expect(Number.isFinite(l.loss)).toBe(true);
      expect(Number.isFinite(l.g) && Number.isFinite(l.d)).toBe(true);
    }
    expect((await stat(exported)).size).toBeGreaterThan(0);
  });

  /** Builds with TF.js's unseeded initialisers drawing from a seeded stream (on wasm: construction reads synchronously). */
  function seeded<T>(seed: number, build: () => T): T {
    const rng = new SeededRandom(seed);
    const saved = Math.random;
    Math.random = () => rng.next();
    try {
      return build();
    } finally {
      Math.random = saved;
    }
  }

  const images = (seed: number): RgbImage[] => {
    const rng = new SeededRandom(seed);
    return [0, 1].map(() => ({ pixels: Uint8Array.from({ length: 64 * 64 * 3 }, () => Math.floor(rng.next() * 256)), width: 64, height: 64 }));
  };

  /** Relative difference, against the larger magnitude (at least 1e-3). */
  const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-3);

  interface Run {
    readonly trainer: { trainStep(): GanStepReportBase; trainStepAsync(): Promise<GanStepReportBase>; dispose(): void };
    readonly modules: readonly Module[];
  }

  /**
   * Two steps on wasm (trainStep) and on webgpu (trainStepAsync) from the same weights,
   * batches and noise. Both setups are built on wasm; webgpu's tensors move there on first use.
   */
  async function compareBackends(make: () => Run): Promise<[GanStepReportBase[], GanStepReportBase[]]> {
    const out: GanStepReportBase[][] = [];
    for (const backend of ['wasm', 'webgpu'] as const) {
      await setBackend('wasm');
      const before = tf.memory().numTensors;
      const { trainer, modules } = make();
      await setBackend(backend);
      const reports: GanStepReportBase[] = [];
      for (let i = 0; i < 2; i++) reports.push(backend === 'wasm' ? trainer.trainStep() : await trainer.trainStepAsync());
      trainer.dispose();
      for (const m of modules) m.dispose();
      expect(tf.memory().numTensors).toBe(before);
      out.push(reports);
    }
    return out as [GanStepReportBase[], GanStepReportBase[]];
  }

  const options = { steps: 10, batchSize: 1, learningRate: 1e-4, seed: 3 } as const;

  /** The two runs agree: the first step within float32 reordering, the second after one Adam update. */
  function expectClose([wasm, gpu]: [GanStepReportBase[], GanStepReportBase[]]): void {
    // First step: the same weights and inputs; float32 sums in another order (measured on
    // lavapipe: at most 7e-6).
    for (const k of ['loss', 'bpp', 'mse', 'gradNorm'] as const) expect(rel(gpu[0]![k], wasm[0]![k]), k).toBeLessThan(1e-4);
    for (const k of ['dLoss', 'gLoss'] as const) {
      if (wasm[0]![k] !== null) expect(rel(gpu[0]![k]!, wasm[0]![k]!), k).toBeLessThan(1e-4);
    }
    // Second step, after one Adam update each (whose direction can differ where a gradient is about 0): 4e-7 measured.
    expect(rel(gpu[1]!.loss, wasm[1]!.loss)).toBeLessThan(1e-3);
  }

  it('HiFiC stage 1 (library): trainStepAsync on webgpu gives the losses trainStep gives on wasm', async () => {
    expectClose(
      await compareBackends(() => {
        const codec = seeded(1, () => hific(HIFIC_SMALL_CONFIG));
        const source = new RandomCropSampler(images(1), 64, 1);
        return { trainer: new GanTrainer({ codec, lpips: null, source, options: { ...options, stage: 1 } }), modules: [codec] };
      }),
    );
  });

  it('MRIC stage 2 (library): the same on webgpu as on wasm', async () => {
    expectClose(
      await compareBackends(() => {
        const codec = seeded(2, () => mric(MRIC_SMALL_CONFIG));
        const discriminator = seeded(3, () => mricDiscriminator(MRIC_SMALL_CONFIG));
        const source = new RandomCropSampler(images(2), 64, 2);
        const trainer = new MricTrainer({ codec, discriminator, lpips: null, source, options: { ...options, stage: 2 } });
        return { trainer, modules: [codec, discriminator] };
      }),
    );
  });

  it('EGIC stage 2 with OASIS-C (library): the same on webgpu as on wasm (labels, class weights, LabelMix)', async () => {
    expectClose(
      await compareBackends(() => {
        const codec = seeded(4, () => egic(EGIC_SMALL_CONFIG));
        const discriminator = seeded(5, () => egicDiscriminator(EGIC_SMALL_CONFIG, { labels: true }));
        const n = EGIC_SMALL_CONFIG.semanticClasses;
        // Vertical stripes of the n classes, sheared differently per image.
        const pairs = images(3).map((image, k) => ({
          image,
          labels: {
            classes: Uint8Array.from({ length: 64 * 64 }, (_, i) => (((i % 64) * n + k * 17 * Math.floor(i / 64)) % (64 * n)) >> 6),
            width: 64,
            height: 64,
          },
        }));
        const source = new LabeledCropSampler(pairs, n, 64, 3);
        const trainer = new EgicTrainer({ codec, discriminator, lpips: null, source, options: { ...options, stage: 2 } });
        return { trainer, modules: [codec, discriminator] };
      }),
    );
  });
});
