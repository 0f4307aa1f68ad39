/**
 * The GAN trainers' asynchronous step (`trainStepAsync`, what `ncomp train` runs and what
 * webgpu needs) is the synchronous one: the same reports and the same weights, step for
 * step, on wasm, for every trainer and stage kind (HiFiC 1 and 2, MRIC 2, EGIC 2 with
 * OASIS-C and 3). Tiny configurations, no LPIPS (so no weights file is needed).
 */
import { InvalidArgumentError, setBackend, type Module } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { EGIC_SMALL_CONFIG } from '../zoo/egic-config.js';
import { egic, egicDiscriminator } from '../zoo/egic.js';
import { HIFIC_SMALL_CONFIG, hific, hificDiscriminator } from '../zoo/hific.js';
import { MRIC_SMALL_CONFIG, mric, mricDiscriminator } from '../zoo/mric.js';
import { RandomCropSampler, type RgbImage } from './crop-sampler.js';
import { EgicTrainer } from './egic-trainer.js';
import type { GanStepReportBase } from './gan-trainer-base.js';
import { GanTrainer, type BatchSource, type GanTrainerState } from './gan-trainer.js';
import { hificRateSchedule } from './hific-loss.js';
import type { LabeledBatch, LabeledBatchSource } from './labeled-batch.js';
import { MricTrainer } from './mric-trainer.js';
import { SeededRandom } from './rng.js';

beforeAll(async () => {
  await setBackend('wasm');
});

/** Builds with TF.js's unseeded initialisers drawing from a seeded stream, so twins are identical. */
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

function images(count: number, seed: number): RgbImage[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => ({
    pixels: Uint8Array.from({ length: 64 * 64 * 3 }, () => Math.floor(rng.next() * 256)),
    width: 64,
    height: 64,
  }));
}

/** Random crops with labels derived from the red channel (`offset` shifts them, to go out of range). */
class LabeledCrops implements LabeledBatchSource {
  private readonly sampler: RandomCropSampler;
  constructor(
    readonly numClasses: number,
    private readonly offset = 0,
  ) {
    this.sampler = new RandomCropSampler(images(3, 5), 64, 1);
  }
  get state(): number {
    return this.sampler.state;
  }
  set state(s: number) {
    this.sampler.state = s;
  }
  next(batchSize: number): tf.Tensor4D {
    return this.sampler.next(batchSize);
  }
  nextLabeled(batchSize: number): LabeledBatch {
    const images = this.next(batchSize);
    const labels = tf.tidy(() => {
      const r = tf.squeeze(tf.slice(images, [0, 0, 0, 0], [-1, -1, -1, 1]), [3]);
      return tf.add(tf.cast(tf.floor(tf.mul(tf.clipByValue(r, 0, 0.999), this.numClasses)), 'int32'), tf.scalar(this.offset, 'int32')) as tf.Tensor3D;
    });
    return { images, labels };
  }
}

/** What the test needs of a trainer. */
interface Steps<R> {
  trainStep(): R;
  trainStepAsync(): Promise<R>;
  readonly state: GanTrainerState;
  readonly step: number;
  dispose(): void;
}

interface Setup<R> {
  readonly trainer: Steps<R>;
  readonly modules: readonly Module[];
}

/** Every variable's values, by module and name. */
function weights(modules: readonly Module[]): number[][] {
  return modules.flatMap((m) => [...m.namedVariables()].map(([, v]) => Array.from(v.dataSync())));
}

const withoutTime = (r: GanStepReportBase): Omit<GanStepReportBase, 'ms'> => {
  const { ms: _ms, ...rest } = r;
  return rest;
};

/** Two identical setups; `steps` sync steps on one, async on the other; identical reports and weights. */
async function expectSameSteps<R extends GanStepReportBase>(make: () => Setup<R>, steps: number): Promise<R[]> {
  const before = tf.memory().numTensors;
  const a = make();
  const b = make();
  expect(weights(b.modules)).toEqual(weights(a.modules));
  const sync: R[] = [];
  const async: R[] = [];
  for (let i = 0; i < steps; i++) {
    sync.push(a.trainer.trainStep());
    async.push(await b.trainer.trainStepAsync());
  }
  expect(async.map(withoutTime)).toEqual(sync.map(withoutTime));
  expect(b.trainer.state).toEqual(a.trainer.state);
  expect(weights(b.modules)).toEqual(weights(a.modules));
  for (const s of [a, b]) {
    s.trainer.dispose();
    for (const m of s.modules) m.dispose();
  }
  expect(tf.memory().numTensors).toBe(before);
  return sync;
}

const base = { steps: 10, batchSize: 1, learningRate: 1e-3, discriminatorLearningRate: 1e-3, seed: 4 } as const;

describe('GAN trainers: trainStepAsync is trainStep (wasm)', () => {
  it('HiFiC stage 1 (data-dependent initialisation, λ switch on the quantized rate in the graph)', async () => {
    const reports = await expectSameSteps(() => {
      const codec = seeded(1, () => hific(HIFIC_SMALL_CONFIG));
      const source = new RandomCropSampler(images(2, 1), 64, 1);
      return { trainer: new GanTrainer({ codec, lpips: null, source, options: { ...base, stage: 1 } }), modules: [codec] };
    }, 2);
    const { lambdaA, lambdaB } = hificRateSchedule(0);
    for (const r of reports) expect([lambdaA, lambdaB]).toContain(r.lambda);
  });

  it('HiFiC stage 2 (PatchGAN, clipped codec gradient)', async () => {
    const reports = await expectSameSteps(() => {
      const codec = seeded(2, () => hific(HIFIC_SMALL_CONFIG));
      const discriminator = seeded(3, () => hificDiscriminator(HIFIC_SMALL_CONFIG));
      const source = new RandomCropSampler(images(2, 2), 64, 2);
      const trainer = new GanTrainer({ codec, discriminator, lpips: null, source, options: { ...base, stage: 2, clipNorm: 1 } });
      return { trainer, modules: [codec, discriminator] };
    }, 2);
    for (const r of reports) expect(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss)).toBe(true);
  });

  it('MRIC stage 2 (per-image β from the seeded stream)', async () => {
    await expectSameSteps(() => {
      const codec = seeded(4, () => mric(MRIC_SMALL_CONFIG));
      const discriminator = seeded(5, () => mricDiscriminator(MRIC_SMALL_CONFIG));
      const source = new RandomCropSampler(images(2, 3), 64, 3);
      return { trainer: new MricTrainer({ codec, discriminator, lpips: null, source, options: { ...base, stage: 2 } }), modules: [codec, discriminator] };
    }, 2);
  });

  it('EGIC stage 2 with OASIS-C (labels checked once per step, LabelMix coins) and stage 3 (ORP head)', async () => {
    const n = EGIC_SMALL_CONFIG.semanticClasses;
    const reports = await expectSameSteps(() => {
      const codec = seeded(6, () => egic(EGIC_SMALL_CONFIG));
      const discriminator = seeded(7, () => egicDiscriminator(EGIC_SMALL_CONFIG, { labels: true }));
      const trainer = new EgicTrainer({ codec, discriminator, lpips: null, source: new LabeledCrops(n), options: { ...base, stage: 2 } });
      return { trainer, modules: [codec, discriminator] };
    }, 2);
    for (const r of reports) expect(r.discriminator).toBe('oasis');
    await expectSameSteps(() => {
      const codec = seeded(8, () => egic(EGIC_SMALL_CONFIG));
      const source: BatchSource = new RandomCropSampler(images(2, 4), 64, 4);
      return { trainer: new EgicTrainer({ codec, lpips: null, source, options: { ...base, stage: 3 } }), modules: [codec] };
    }, 2);
  });

  it('labels outside the classes are refused by both steps, before any update, without leaking', async () => {
    const n = EGIC_SMALL_CONFIG.semanticClasses;
    const codec = seeded(6, () => egic(EGIC_SMALL_CONFIG));
    const discriminator = seeded(7, () => egicDiscriminator(EGIC_SMALL_CONFIG, { labels: true }));
    const trainer = new EgicTrainer({ codec, discriminator, lpips: null, source: new LabeledCrops(n, 1), options: { ...base, stage: 2 } });
    const before = tf.memory().numTensors;
    const w = weights([codec, discriminator]);
    expect(() => trainer.trainStep()).toThrow(InvalidArgumentError);
    await expect(trainer.trainStepAsync()).rejects.toThrow(new RegExp(`labels in \\[1, ${n}\\], expected classes 0 to ${n - 1}`));
    expect(trainer.step).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(weights([codec, discriminator])).toEqual(w);
    trainer.dispose();
    codec.dispose();
    discriminator.dispose();
  });
});
