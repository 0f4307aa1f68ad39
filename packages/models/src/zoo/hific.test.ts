import { setBackend } from '@ncomp/core';
import { Lpips } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reflectPad } from '../codec/reflect-pad.js';
import { RandomCropSampler, type RgbImage } from '../training/crop-sampler.js';
import { readCheckpoint } from '../training/checkpoint.js';
import { readGanCheckpoint, restoreGanTrainer, writeGanCheckpoint } from '../training/gan-checkpoint.js';
import { GanTrainer, type BatchSource, type GanStepReport } from '../training/gan-trainer.js';
import { HIFIC_LOSS_WEIGHTS, hificGeneratorLoss, hificRateSchedule } from '../training/hific-loss.js';
import { SeededRandom } from '../training/rng.js';
import { HIFIC_REFERENCE_CONFIG, HIFIC_SMALL_CONFIG, hific, hificDiscriminator, parseHificConfig, type HificConfig } from './hific.js';
import { createModel, modelEntry } from './registry.js';

/** `<repo>/../shared/data/lpips`, where the LPIPS tests of @ncomp/losses find the weights. */
const LPIPS_FILE = fileURLToPath(new URL('../../../../../shared/data/lpips/lpips_alex_v0.1.safetensors', import.meta.url));
const haveLpips = existsSync(LPIPS_FILE);
if (!haveLpips) console.warn(`skipping the HiFiC training tests: ${LPIPS_FILE} is absent (LPIPS weights live in ../shared/data beside the repository)`);

let lpips: Lpips | undefined;
let dir: string;
beforeAll(async () => {
  await setBackend('wasm');
  if (haveLpips) lpips = await Lpips.fromFile(LPIPS_FILE, 'alex');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-hific-'));
});
afterAll(async () => {
  lpips?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Parameters of HiFiC as TFC `models/hific/archs.py` builds it (Keras Conv2D with bias, LayerNorm gamma + beta, EntropyBottleneck filters (3, 3, 3)). */
function referenceParameterCount(c: HificConfig): { encoder: number; generator: number; hyperprior: number } {
  const conv = (k: number, cin: number, cout: number): number => k * k * cin * cout + cout;
  const norm = (ch: number): number => 2 * ch;
  const b = c.channels;
  let encoder = conv(7, 3, b) + norm(b);
  for (let i = 1; i <= 4; i++) encoder += conv(3, b * 2 ** (i - 1), b * 2 ** i) + norm(b * 2 ** i);
  encoder += conv(3, 16 * b, c.latentChannels);
  const t = 16 * b;
  let generator = norm(c.latentChannels) + conv(3, c.latentChannels, t) + norm(t) + c.residualBlocks * 2 * (conv(3, t, t) + norm(t));
  for (let i = 3; i >= 0; i--) generator += conv(3, b * 2 ** (i + 1), b * 2 ** i) + norm(b * 2 ** i);
  generator += conv(7, b, 3);
  const h = c.hyperChannels;
  const M = c.latentChannels;
  const hs = conv(5, h, h) * 2 + conv(3, h, M);
  // Factorized prior per channel: matrices 1x3, 3x3, 3x3, 3x1; biases 3, 3, 3, 1; factors 3, 3, 3.
  const hyperprior = conv(3, M, h) + 2 * conv(5, h, h) + 2 * hs + h * (3 + 9 + 9 + 3 + 10 + 9);
  return { encoder, generator, hyperprior };
}

/** Always the same batch (tensors are clones, so the trainer may dispose them). */
class FixedBatch implements BatchSource {
  state = 0;
  constructor(private readonly x: tf.Tensor4D) {}
  next(batchSize: number): tf.Tensor4D {
    expect(batchSize).toBe(this.x.shape[0]);
    return tf.clone(this.x);
  }
}

/** Smooth synthetic RGB images with a few edges. */
function syntheticImages(count: number, w: number, h: number, seed: number): RgbImage[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => {
    const pixels = new Uint8Array(w * h * 3);
    const a = rng.next() * 6;
    const fx = 0.05 + rng.next() * 0.1;
    const fy = 0.05 + rng.next() * 0.1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = 127 + 100 * Math.sin(fx * x + fy * y + a);
        const i = (y * w + x) * 3;
        pixels[i] = v;
        pixels[i + 1] = 255 - v;
        pixels[i + 2] = x > w / 2 ? 200 : 50;
      }
    }
    return { pixels, width: w, height: h };
  });
}

const batchOf = (n: number, seed: number): tf.Tensor4D => {
  const s = new RandomCropSampler(syntheticImages(n, 64, 64, seed), 64, seed);
  return s.next(n);
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Builds with TF.js's unseeded initialisers drawing from a seeded stream (they seed
 * themselves from Math.random), so the tests are deterministic.
 */
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

describe('hific model', () => {
  it('is in the registry; configurations parse; parameter counts follow the reference architecture', () => {
    const entry = modelEntry('hific');
    expect(entry.defaultConfig).toEqual(HIFIC_REFERENCE_CONFIG);
    expect(parseHificConfig({ residualBlocks: 2 }, HIFIC_SMALL_CONFIG)).toEqual({ ...HIFIC_SMALL_CONFIG, residualBlocks: 2 });
    expect(() => parseHificConfig({ N: 4 })).toThrow(/unknown config field "N"/);
    expect(() => parseHificConfig({ channels: 1.5 })).toThrow(/channels must be an integer/);
    const model = createModel('hific', HIFIC_SMALL_CONFIG);
    const ref = referenceParameterCount(HIFIC_SMALL_CONFIG);
    expect(model.analysis.numParameters()).toBe(ref.encoder);
    expect(model.synthesis.numParameters()).toBe(ref.generator);
    expect(model.latentCodec.numParameters({ trainableOnly: true })).toBe(ref.hyperprior);
    expect(model.padMultiple).toBe(64);
    model.dispose();
  });

  it('the reference configuration, built and counted: 181,475,343 trainable parameters, its PatchGAN 2,800,797', () => {
    // Builds the full model once (~9 s and ~730 MB on the cpu backend).
    const model = hific(HIFIC_REFERENCE_CONFIG);
    try {
      const full = referenceParameterCount(HIFIC_REFERENCE_CONFIG);
      const built = [model.analysis.numParameters(), model.synthesis.numParameters(), model.latentCodec.numParameters({ trainableOnly: true })];
      expect(built).toEqual([full.encoder, full.generator, full.hyperprior]);
      expect(model.numParameters({ trainableOnly: true })).toBe(181_475_343);
    } finally {
      model.dispose();
    }
    const discriminator = hificDiscriminator(HIFIC_REFERENCE_CONFIG);
    expect(discriminator.numParameters({ trainableOnly: true })).toBe(2_800_797);
    discriminator.dispose();
  }, 120_000);

  it('codes odd sizes: compress -> decompress gives the quantized latent exactly and the image size back', async () => {
    const model = hific(HIFIC_SMALL_CONFIG);
    model.update();
    const before = tf.memory().numTensors;
    for (const [h, w] of [
      [37, 50],
      [64, 64],
      [65, 130],
    ] as const) {
      const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', h + w) as tf.Tensor4D;
      // The latent codec's own round trip: the decoder's latent equals the encoder's quantization.
      const ph = Math.ceil(h / 64) * 64;
      const pw = Math.ceil(w / 64) * 64;
      const y = tf.tidy(() => model.analysis.call(reflectPad(x, ph - h, pw - w)) as tf.Tensor4D);
      expect(y.shape).toEqual([1, ph / 16, pw / 16, HIFIC_SMALL_CONFIG.latentChannels]);
      const { streams, yHat } = await model.latentCodec.compress(y);
      const decoded = await model.latentCodec.decompress(streams, [ph / 16, pw / 16]);
      expect(Array.from(decoded.dataSync())).toEqual(Array.from(yHat.dataSync()));
      // The image round trip (compress reflect-pads, as HiFiC).
      expect(model.padMode).toBe('reflect');
      const c = await model.compress(x);
      expect([c.paddedHeight, c.paddedWidth]).toEqual([ph, pw]);
      expect(c.streams.slice(0, -1).map((s) => Array.from(s))).toEqual(streams[0]!.map((s) => Array.from(s)));
      const a = await model.decompress(c);
      const b = await model.decompress({ ...c, streams: c.streams.map((s) => s.slice()) });
      expect(a.shape).toEqual([1, h, w, 3]);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([x, y, yHat, decoded, a, b]);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('HiFiC loss', () => {
  it('switches lambda on the quantized rate and follows the warm-up schedule', () => {
    const w = HIFIC_LOSS_WEIGHTS;
    expect(w.C / w.lambdaA).toBeCloseTo(2, 12);
    expect(w.C / w.lambdaB).toBeCloseTo(2 ** -6, 12);
    expect(hificRateSchedule(0)).toEqual({ lambdaA: 2 * w.lambdaA, lambdaB: 2 * w.lambdaB, target: 0.2 });
    expect(hificRateSchedule(49999).target).toBeCloseTo(0.2, 12);
    expect(hificRateSchedule(50000)).toEqual({ lambdaA: w.lambdaA, lambdaB: w.lambdaB, target: 0.14 });
    const terms = { bpp: tf.scalar(0.5), mse: tf.scalar(100), lpips: tf.scalar(0.2), gan: tf.scalar(0.7) };
    const above = hificGeneratorLoss({ ...terms, qbpp: 0.15 }, 60000);
    const below = hificGeneratorLoss({ ...terms, qbpp: 0.13 }, 60000);
    expect(above.lambda).toBe(w.lambdaA);
    expect(below.lambda).toBe(w.lambdaB);
    expect(above.loss.dataSync()[0]).toBeCloseTo(w.C * (0.5 / w.lambdaA + 0.75 * 100) + 0.15 * 0.7 + 0.2, 4);
    expect(below.loss.dataSync()[0]).toBeCloseTo(w.C * (0.5 / w.lambdaB + 0.75 * 100) + 0.15 * 0.7 + 0.2, 4);
    tf.dispose([...Object.values(terms), above.loss, below.loss]);
  });
});

describe.skipIf(!haveLpips)('GanTrainer on the small HiFiC (64x64 crops, batch 2)', () => {
  const config = HIFIC_SMALL_CONFIG;
  let stage1Codec: ReturnType<typeof hific> | undefined;

  it('stage 1 (MSE + LPIPS + rate) lowers its loss on a fixed batch, without leaking tensors', () => {
    const codec = seeded(11, () => hific(config));
    const x = batchOf(2, 3);
    const trainer = new GanTrainer({
      codec,
      lpips: lpips!,
      source: new FixedBatch(x),
      options: { stage: 1, steps: 100, batchSize: 2, learningRate: 3e-3, seed: 1 },
    });
    const reports: GanStepReport[] = [trainer.trainStep()];
    const withMoments = tf.memory().numTensors;
    for (let i = 0; i < 11; i++) reports.push(trainer.trainStep());
    expect(tf.memory().numTensors).toBe(withMoments);
    const r = reports[0]!;
    expect(r.gLoss).toBeNull();
    expect(r.dLoss).toBeNull();
    expect(r.lpips).toBeGreaterThan(0);
    expect([HIFIC_LOSS_WEIGHTS.lambdaA * 2, HIFIC_LOSS_WEIGHTS.lambdaB * 2]).toContain(r.lambda);
    expect(r.target).toBeCloseTo(0.2, 12);
    const losses = reports.map((q) => q.loss);
    expect(mean(losses.slice(-3))).toBeLessThan(0.8 * mean(losses.slice(0, 3)));
    trainer.dispose();
    x.dispose();
    stage1Codec = codec;
  });

  it('stage 2 (GAN on, from stage 1) lowers the discriminator loss on a fixed batch; every term is reported', () => {
    const codec = stage1Codec ?? seeded(11, () => hific(config));
    const discriminator = seeded(12, () => hificDiscriminator(config));
    const x = batchOf(4, 5);
    const trainer = new GanTrainer({
      codec,
      discriminator,
      lpips: lpips!,
      source: new FixedBatch(x),
      options: { stage: 2, steps: 100, batchSize: 2, learningRate: 1e-4, discriminatorLearningRate: 2e-3, clipNorm: 1, seed: 2 },
    });
    const reports: GanStepReport[] = [trainer.trainStep()];
    const withMoments = tf.memory().numTensors;
    for (let i = 0; i < 9; i++) reports.push(trainer.trainStep());
    expect(tf.memory().numTensors).toBe(withMoments);
    for (const r of reports) {
      for (const v of [r.loss, r.bpp, r.qbpp, r.mse, r.lpips, r.gLoss, r.dLoss, r.dReal, r.dFake, r.lambda, r.gradNorm, r.discriminatorGradNorm])
        expect(Number.isFinite(v)).toBe(true);
    }
    const d = reports.map((r) => r.dLoss!);
    expect(d[0]).toBeGreaterThan(1.2); // about 2 log 2 for an untrained discriminator
    expect(mean(d.slice(-3))).toBeLessThan(0.9 * mean(d.slice(0, 3)));
    trainer.dispose();
    discriminator.dispose();
    x.dispose();
    codec.dispose();
  });

  it('checkpoints (codec, discriminator, both optimizers, steps, generator states) reload to identical outputs and identical training', async () => {
    const start = tf.memory().numTensors;
    const codec = seeded(13, () => hific(config));
    const discriminator = seeded(14, () => hificDiscriminator(config));
    const images = syntheticImages(3, 80, 72, 9);
    const options = { stage: 2 as const, steps: 10, batchSize: 1, learningRate: 1e-3, seed: 4 };
    const trainer = new GanTrainer({ codec, discriminator, lpips: lpips!, source: new RandomCropSampler(images, 64, 1), options });
    for (let i = 0; i < 2; i++) trainer.trainStep();
    const run = join(dir, 'run');
    await writeGanCheckpoint(run, trainer, 'hific', config, { note: 'x' });
    trainer.trainStep();
    await writeGanCheckpoint(run, trainer, 'hific', config, { note: 'x' });
    expect((await readdir(run)).sort()).toEqual([
      'checkpoint.json',
      's2-discriminator-3.safetensors',
      's2-discriminator-optimizer-3.safetensors',
      's2-model-3.safetensors',
      's2-optimizer-3.safetensors',
    ]);

    await expect(readCheckpoint(run)).rejects.toThrow(/GAN-training checkpoint .* readGanCheckpoint/);
    const cp = await readGanCheckpoint(run);
    expect(cp.info.state.step).toBe(3);
    expect(cp.info.extra).toEqual({ note: 'x' });
    const codec2 = cp.loaded.model;
    const discriminator2 = hificDiscriminator(cp.info.config as HificConfig);
    const resumed = new GanTrainer({
      codec: codec2,
      discriminator: discriminator2,
      lpips: lpips!,
      source: new RandomCropSampler(images, 64, 999),
      options: cp.info.options,
    });
    restoreGanTrainer(resumed, cp);
    expect(resumed.state).toEqual(trainer.state);

    // Identical outputs: reconstructions and discriminator logits.
    codec.update();
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const outA = await codec.decompress(await codec.compress(x));
    const outB = await codec2.decompress(await codec2.compress(x));
    expect(Array.from(outB.dataSync())).toEqual(Array.from(outA.dataSync()));
    const y = tf.tidy(() => codec.analysis.call(x));
    const la = discriminator.call(x, y);
    const lb = discriminator2.call(x, y);
    expect(Array.from(lb.dataSync())).toEqual(Array.from(la.dataSync()));
    tf.dispose([x, outA, outB, y, la, lb]);

    // Training continues identically: same batches, same noise, same updates.
    for (let i = 0; i < 2; i++) {
      const ra = trainer.trainStep();
      const rb = resumed.trainStep();
      expect({ ...rb, ms: 0 }).toEqual({ ...ra, ms: 0 });
    }
    const a = codec.stateDict();
    const b = codec2.stateDict();
    for (const k of Object.keys(a)) expect(Array.from(b[k]!.dataSync())).toEqual(Array.from(a[k]!.dataSync()));
    tf.dispose([...Object.values(a), ...Object.values(b)]);
    for (const t of [trainer, resumed]) t.dispose();
    for (const m of [codec, codec2, discriminator, discriminator2]) m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
