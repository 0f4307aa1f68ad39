import { CorruptStreamError, InvalidArgumentError, ShapeError, setBackend } from '@ncomp/core';
import { Lpips } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicatePad } from '../codec/replicate-pad.js';
import { loadModelBytes, modelFileBytes } from '../model-file/model-file.js';
import { RandomCropSampler, type RgbImage } from '../training/crop-sampler.js';
import { readGanCheckpoint, restoreGanTrainer, writeGanCheckpoint } from '../training/gan-checkpoint.js';
import type { BatchSource } from '../training/gan-trainer.js';
import { MRIC_LOSS_WEIGHTS, mricGeneratorLoss } from '../training/mric-loss.js';
import { MricTrainer, type MricStepReport, type MricTrainOptions } from '../training/mric-trainer.js';
import { SeededRandom } from '../training/rng.js';
import { MRIC_REFERENCE_CONFIG, MRIC_SMALL_CONFIG, MricCodec, mric, mricDiscriminator, parseMricConfig, type MricConfig } from './mric.js';
import { createModel, modelEntry } from './registry.js';

/** Every |a - b| below `tol` (times the largest |b|, at least 1). */
function expectWithin(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let scale = 1;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]!));
  for (let k = 0; k < b.length; k++) if (!(Math.abs(a[k]! - b[k]!) <= tol * scale)) expect(a[k]).toBeCloseTo(b[k]!, 4);
}

/** `<repo>/../shared/data/lpips`, where the LPIPS tests of @ncomp/losses find the weights. */
const LPIPS_FILE = fileURLToPath(new URL('../../../../../shared/data/lpips/lpips_alex_v0.1.safetensors', import.meta.url));
const haveLpips = existsSync(LPIPS_FILE);
if (!haveLpips) console.warn(`skipping the MRIC training tests: ${LPIPS_FILE} is absent (LPIPS weights live in ../shared/data beside the repository)`);

let lpips: Lpips | undefined;
let dir: string;
beforeAll(async () => {
  await setBackend('wasm');
  if (haveLpips) lpips = await Lpips.fromFile(LPIPS_FILE, 'alex');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-mric-'));
});
afterAll(async () => {
  lpips?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Parameters of MRIC as Nikolai10/MRIC builds it (`amtm2023.py`, `elic.py`, `synthesis.py`,
 * `fourier_cond.py`; Keras layers with bias unless stated, NoisyDeepFactorized filters (3, 3, 3)).
 */
function referenceParameterCount(c: MricConfig): { analysis: number; synthesis: number; entropyModel: number } {
  const conv = (k: number, cin: number, cout: number, bias = true): number => k * k * cin * cout + (bias ? cout : 0);
  const rb = (ch: number): number => conv(1, ch, ch / 2) + conv(3, ch / 2, ch / 2) + conv(1, ch / 2, ch);
  const attention = (ch: number): number => 6 * rb(ch) + conv(1, ch, ch);
  const F = c.conditioningChannels;
  const crb = (ch: number): number => rb(ch) + F * (ch / 2) * 2 + F * ch;
  const { channels: w, latentChannels: M, residualBlocks: B } = c;
  const analysis = conv(5, 3, w) + B * rb(w) + conv(5, w, w) + B * rb(w) + attention(w) + conv(5, w, w) + B * rb(w) + conv(5, w, M) + attention(M);
  const mlp = conv(1, 1 + 2 * c.fourierFrequencies, F) + conv(1, F, F);
  const synthesis = mlp + attention(M) + conv(5, M, w) + B * crb(w) + conv(5, w, w) + attention(w) + B * crb(w) + conv(5, w, w) + B * crb(w) + conv(5, w, 3);
  const [a0, a1] = c.hyperAnalysisChannels;
  const [s0, s1] = c.hyperSynthesisChannels;
  const Z = c.hyperLatentChannels;
  const K = M / c.numSlices;
  const [h0, h1] = c.sliceHiddenChannels as [number, number];
  const slice = (cin: number): number => conv(5, cin, h0) + conv(5, h0, h1) + conv(3, h1, K);
  let slices = 0;
  for (let i = 0; i < c.numSlices; i++) {
    const support = K + K * (c.maxSupportSlices < 0 ? i : Math.min(i, c.maxSupportSlices));
    slices += 2 * slice(support) + slice(support + K);
  }
  const entropyModel =
    conv(3, M, a0) + conv(5, a0, a1) + conv(5, a1, Z, false) + conv(5, Z, s0) + conv(5, s0, s1) + conv(3, s1, 2 * M) + slices + Z * (3 + 9 + 9 + 3 + 10 + 9);
  return { analysis, synthesis, entropyModel };
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

const batchOf = (n: number, seed: number): tf.Tensor4D => new RandomCropSampler(syntheticImages(n, 64, 64, seed), 64, seed).next(n);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Builds with TF.js's unseeded initialisers drawing from a seeded stream, so the tests are deterministic. */
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

describe('mric model', () => {
  it('is in the registry; configurations parse; parameter counts follow the reference architecture', () => {
    const entry = modelEntry('mric');
    expect(entry.defaultConfig).toEqual(MRIC_REFERENCE_CONFIG);
    expect(parseMricConfig({ residualBlocks: 2 }, MRIC_SMALL_CONFIG)).toEqual({ ...MRIC_SMALL_CONFIG, residualBlocks: 2 });
    expect(() => parseMricConfig({ residualBlocks: 2, hyperChannels: 4 })).toThrow(/unknown config field "hyperChannels"/);
    expect(() => parseMricConfig({ numSlices: 3 }, MRIC_SMALL_CONFIG)).toThrow(/numSlices \(3\) must divide latentChannels \(16\)/);
    expect(() => parseMricConfig({ hyperAnalysisChannels: [8] })).toThrow(/hyperAnalysisChannels must be a list of 2/);
    const model = createModel('mric', MRIC_SMALL_CONFIG);
    expect(model).toBeInstanceOf(MricCodec);
    const ref = referenceParameterCount(MRIC_SMALL_CONFIG);
    expect(model.analysis.numParameters()).toBe(ref.analysis);
    expect(model.synthesis.numParameters()).toBe(ref.synthesis);
    expect(model.latentCodec.numParameters({ trainableOnly: true })).toBe(ref.entropyModel);
    expect(model.padMultiple).toBe(64);
    expect(model.latentCodec.streamNames).toEqual(['y', 'z']);
    model.dispose();
  });

  it('the reference configuration, built and counted: 85,881,219 trainable parameters, part by part as the reference architecture', () => {
    // Builds the full model once (~7 s and ~350 MB on the cpu backend).
    const model = mric(MRIC_REFERENCE_CONFIG);
    try {
      const full = referenceParameterCount(MRIC_REFERENCE_CONFIG);
      // g_a 10,716,800 + g_s 13,349,699 (beta MLP 273,920) + entropy model 61,814,720 (slice transforms 53,981,440).
      const built = [model.analysis.numParameters(), model.synthesis.numParameters(), model.latentCodec.numParameters({ trainableOnly: true })];
      expect(built).toEqual([full.analysis, full.synthesis, full.entropyModel]);
      expect(built).toEqual([10_716_800, 13_349_699, 61_814_720]);
      expect(model.numParameters({ trainableOnly: true })).toBe(85_881_219);
    } finally {
      model.dispose();
    }
  }, 120_000);

  it("codes odd sizes: the ChARM stream decodes slice by slice to compress's quantized latent exactly", async () => {
    const model = seeded(1, () => mric(MRIC_SMALL_CONFIG));
    model.update();
    const before = tf.memory().numTensors;
    for (const [h, w] of [
      [37, 50],
      [65, 130],
    ] as const) {
      const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', h + w) as tf.Tensor4D;
      const ph = Math.ceil(h / 64) * 64;
      const pw = Math.ceil(w / 64) * 64;
      const y = tf.tidy(() => model.analysis.call(replicatePad(x, ph - h, pw - w)) as tf.Tensor4D);
      expect(y.shape).toEqual([1, ph / 16, pw / 16, MRIC_SMALL_CONFIG.latentChannels]);
      const { streams, yHat } = await model.latentCodec.compress(y);
      expect(streams[0]).toHaveLength(2);
      const decoded = await model.latentCodec.decompress(streams, [ph / 16, pw / 16]);
      expect(values(decoded)).toEqual(values(yHat));
      // compress's latent is what forward's evaluation pass synthesises from (rounded slices + LRP).
      const evaluated = model.latentCodec.forward(y, false);
      // forward()'s evaluation runs the entropy parameters on the backend (float32), coding in float64: equal within float rounding.
      expectWithin(values(evaluated.yHat), values(yHat), 1e-4);
      // A stream cut short, or with a slice's worth of bytes appended, is refused, not decoded to garbage.
      const [ys, zs] = streams[0]!;
      await expect(model.latentCodec.decompress([[ys!.subarray(0, ys!.length - 2), zs!]], [ph / 16, pw / 16])).rejects.toThrow(CorruptStreamError);
      await expect(model.latentCodec.decompress([[new Uint8Array([...ys!, ...ys!]), zs!]], [ph / 16, pw / 16])).rejects.toThrow(CorruptStreamError);
      await expect(model.latentCodec.decompress([[ys!]], [ph / 16, pw / 16])).rejects.toThrow(ShapeError);
      const c = await model.compress(x);
      expect([c.paddedHeight, c.paddedWidth]).toEqual([ph, pw]);
      expect(c.streams.slice(0, -1).map((s) => Array.from(s))).toEqual(streams[0]!.map((s) => Array.from(s)));
      const a = await model.decompress(c);
      expect(a.shape).toEqual([1, h, w, 3]);
      tf.dispose([x, y, yHat, decoded, evaluated.yHat, evaluated.bits, a]);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('the receiver picks beta: compress is beta-free, decompress with beta 0 and 2.56 differ from the same bytes', async () => {
    const model = seeded(2, () => mric(MRIC_SMALL_CONFIG));
    model.update();
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const c = await model.compress(x);
    const again = await model.compress(x);
    expect(again.streams.map((s) => Array.from(s))).toEqual(c.streams.map((s) => Array.from(s)));
    const x0 = await model.decompress(c, 0);
    const xDefault = await model.decompress(c);
    const xr = await model.decompress(c, 2.56);
    const xr2 = await model.decompress({ ...c, streams: c.streams.map((s) => s.slice()) }, 2.56);
    expect(values(xDefault)).toEqual(values(x0));
    expect(values(xr2)).toEqual(values(xr));
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(x0, xr))).dataSync()[0]!);
    expect(diff).toBeGreaterThan(1e-4);
    // forward: one beta per image changes only the synthesis, never the rate.
    const batch = tf.concat([x, x]) as tf.Tensor4D;
    const f0 = model.forward(batch, { training: false, beta: 0 });
    const f1 = model.forward(batch, { training: false, beta: [0, 2.56] });
    expect(values(f1.bits)).toEqual(values(f0.bits));
    const [a0, a1] = tf.split(f1.xHat, 2) as [tf.Tensor, tf.Tensor];
    const [b0, b1] = tf.split(f0.xHat, 2) as [tf.Tensor, tf.Tensor];
    expect(values(a0)).toEqual(values(b0));
    expect(values(a1)).not.toEqual(values(a0));
    await expect(model.decompress(c, 6)).rejects.toThrow(InvalidArgumentError);
    await expect(model.decompress(c, -0.1)).rejects.toThrow(InvalidArgumentError);
    await expect(model.decompress(c, Number.NaN)).rejects.toThrow(InvalidArgumentError);
    expect(() => model.forward(batch, { beta: [1, 2, 3] })).toThrow(ShapeError);
    // decompressAt: one entropy decode, one reconstruction per beta, equal to decompress's.
    expect(model.decodeControl).toMatchObject({ name: 'beta', min: 0, max: 5.12, defaultValue: 0 });
    const swept = await model.decompressAt(c, [0, 2.56, undefined]);
    expect(swept.map(values)).toEqual([values(x0), values(xr), values(x0)]);
    await expect(model.decompressAt(c, [0, 9])).rejects.toThrow(/beta must be a number in \[0, 5.12\], found 9/);
    tf.dispose(swept);
    tf.dispose([x, x0, xDefault, xr, xr2, batch, f0.xHat, f0.bits, f0.bpp, f1.xHat, f1.bits, f1.bpp, a0, a1, b0, b1]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("conditioningActivity counts f's live units and the projections' norm, and sees a dead path", async () => {
    const model = seeded(4, () => mric(MRIC_SMALL_CONFIG));
    const synthesis = model.conditionalSynthesis;
    const before = tf.memory().numTensors;
    const fresh = await synthesis.conditioningActivity();
    expect(fresh.units).toBe(MRIC_SMALL_CONFIG.conditioningChannels);
    expect(fresh.alive).toBeGreaterThan(0);
    expect(fresh.alive).toBeLessThanOrEqual(fresh.units);
    expect(fresh.range).toBeGreaterThan(0);
    expect(fresh.projectionNorm).toBeGreaterThan(0);
    // f = relu(fc2(...)): a bias of -100 on fc2 kills every unit; zero projections shift nothing.
    const vars = new Map(synthesis.namedVariables());
    const bias = vars.get('conditioning.fc2.bias')!;
    const projections = [...vars].filter(([n]) => /\.proj\d+\.kernel$/.test(n)).map(([, v]) => v);
    expect(projections.length).toBe(9);
    tf.tidy(() => {
      bias.assign(tf.fill(bias.shape, -100));
      for (const p of projections) p.assign(tf.zerosLike(p));
    });
    expect(await synthesis.conditioningActivity(2.56, 5)).toEqual({ units: fresh.units, alive: 0, range: 0, projectionNorm: 0 });
    await expect(synthesis.conditioningActivity(5.12, 1)).rejects.toThrow(InvalidArgumentError);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('model files reload to byte-identical coding and identical reconstructions at every beta', async () => {
    const model = seeded(3, () => mric(MRIC_SMALL_CONFIG));
    model.update();
    const loaded = loadModelBytes(await modelFileBytes(model, 'mric', MRIC_SMALL_CONFIG));
    expect(loaded.model).toBeInstanceOf(MricCodec);
    const copy = loaded.model as MricCodec;
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const c = await model.compress(x);
    expect((await copy.compress(x)).streams.map((s) => Array.from(s))).toEqual(c.streams.map((s) => Array.from(s)));
    for (const beta of [0, 1.28, 2.56]) {
      const a = await model.decompress(c, beta);
      const b = await copy.decompress(c, beta);
      expect(values(b)).toEqual(values(a));
      tf.dispose([a, b]);
    }
    x.dispose();
    model.dispose();
    copy.dispose();
  });
});

describe('MRIC loss', () => {
  it('is 0.01 MSE + mean(beta 4.26 LPIPS) + lambda 100 bpp + mean(beta g) per image', () => {
    const w = MRIC_LOSS_WEIGHTS;
    expect([w.mseWeight, w.lpipsWeight, w.rateWeight, w.lambda, w.betaMax]).toEqual([0.01, 4.26, 100, 0.128, 5.12]);
    const terms = { bpp: tf.scalar(0.3), mse: tf.scalar(50), beta: tf.tensor1d([0, 2]), lpips: tf.tensor1d([0.4, 0.1]), gan: tf.tensor1d([0.7, 0.9]) };
    const out = mricGeneratorLoss(terms);
    const expected = 0.01 * 50 + (0 * 4.26 * 0.4 + 2 * 4.26 * 0.1) / 2 + 0.128 * 100 * 0.3 + (0 * 0.7 + 2 * 0.9) / 2;
    expect(out.loss.dataSync()[0]).toBeCloseTo(expected, 4);
    expect(out.weightedLpips!.dataSync()[0]).toBeCloseTo(0.426, 5);
    expect(out.weightedGan!.dataSync()[0]).toBeCloseTo(0.9, 5);
    const stage1 = mricGeneratorLoss({ bpp: terms.bpp, mse: terms.mse, beta: terms.beta, lpips: terms.lpips });
    expect(stage1.weightedGan).toBeUndefined();
    expect(() => mricGeneratorLoss({ ...terms, gan: tf.tensor1d([1, 2, 3]) })).toThrow(ShapeError);
    tf.dispose([...Object.values(terms), ...Object.values(out), ...Object.values(stage1)]);
  });
});

describe.skipIf(!haveLpips)('MricTrainer on the small MRIC (64x64 crops, batch 2)', () => {
  const config = MRIC_SMALL_CONFIG;
  let stage1Codec: MricCodec | undefined;

  it('stage 1 (MSE + beta LPIPS + rate) lowers its loss on a fixed batch, without leaking tensors', () => {
    const codec = seeded(11, () => mric(config));
    const x = batchOf(2, 3);
    const trainer = new MricTrainer({
      codec,
      lpips: lpips!,
      source: new FixedBatch(x),
      options: { stage: 1, steps: 100, batchSize: 2, learningRate: 3e-3, seed: 1 },
    });
    const reports: MricStepReport[] = [trainer.trainStep()];
    const withMoments = tf.memory().numTensors;
    for (let i = 0; i < 9; i++) reports.push(trainer.trainStep());
    expect(tf.memory().numTensors).toBe(withMoments);
    const r = reports[0]!;
    expect(r.gLoss).toBeNull();
    expect(r.dLoss).toBeNull();
    expect(r.lpips).toBeGreaterThan(0);
    expect(r.beta).toBeGreaterThan(0);
    expect(r.beta).toBeLessThan(5.12);
    expect(r.loss / (r.weightedMse + r.weightedLpips! + r.weightedRate)).toBeCloseTo(1, 5);
    expect(new Set(reports.map((q) => q.beta)).size).toBe(reports.length);
    const losses = reports.map((q) => q.loss);
    expect(mean(losses.slice(-3))).toBeLessThan(0.8 * mean(losses.slice(0, 3)));
    trainer.dispose();
    x.dispose();
    stage1Codec = codec;
  });

  it('stage 2 (beta-weighted GAN, from stage 1) lowers the discriminator loss on a fixed batch; every term is reported', () => {
    const codec = stage1Codec ?? seeded(11, () => mric(config));
    const discriminator = seeded(12, () => mricDiscriminator(config));
    const x = batchOf(4, 5);
    const trainer = new MricTrainer({
      codec,
      discriminator,
      lpips: lpips!,
      source: new FixedBatch(x),
      options: { stage: 2, steps: 100, batchSize: 2, learningRate: 1e-4, discriminatorLearningRate: 2e-3, seed: 2 },
    });
    const reports: MricStepReport[] = [trainer.trainStep()];
    const withMoments = tf.memory().numTensors;
    for (let i = 0; i < 7; i++) reports.push(trainer.trainStep());
    expect(tf.memory().numTensors).toBe(withMoments);
    for (const r of reports) {
      for (const v of [r.loss, r.bpp, r.mse, r.lpips, r.gLoss, r.weightedGan, r.dLoss, r.dReal, r.dFake, r.gradNorm, r.discriminatorGradNorm])
        expect(Number.isFinite(v)).toBe(true);
      expect(r.loss / (r.weightedMse + r.weightedLpips! + r.weightedRate + r.weightedGan!)).toBeCloseTo(1, 5);
    }
    const d = reports.map((r) => r.dLoss!);
    expect(d[0]).toBeGreaterThan(1.2); // about 2 log 2 for an untrained discriminator
    expect(mean(d.slice(-3))).toBeLessThan(0.9 * mean(d.slice(0, 3)));
    trainer.dispose();
    discriminator.dispose();
    x.dispose();
    codec.dispose();
  });

  it('checkpoints (codec, discriminator, optimizers, steps, noise and beta stream) reload to identical outputs and identical training', async () => {
    const start = tf.memory().numTensors;
    const codec = seeded(13, () => mric(config));
    const discriminator = seeded(14, () => mricDiscriminator(config));
    const images = syntheticImages(3, 80, 72, 9);
    const options: MricTrainOptions = { stage: 2, steps: 10, batchSize: 1, learningRate: 1e-3, seed: 4 };
    const trainer = new MricTrainer({ codec, discriminator, lpips: lpips!, source: new RandomCropSampler(images, 64, 1), options });
    trainer.trainStep();
    const run = join(dir, 'run');
    await writeGanCheckpoint(run, trainer, 'mric', config, { note: 'x' });
    expect((await readdir(run)).sort()).toEqual([
      'checkpoint.json',
      's2-discriminator-1.safetensors',
      's2-discriminator-optimizer-1.safetensors',
      's2-model-1.safetensors',
      's2-optimizer-1.safetensors',
    ]);
    const cp = await readGanCheckpoint<MricTrainOptions>(run);
    expect(cp.info.model).toBe('mric');
    const codec2 = cp.loaded.model as MricCodec;
    expect(codec2).toBeInstanceOf(MricCodec);
    const discriminator2 = mricDiscriminator(cp.info.config as MricConfig);
    const resumed = new MricTrainer({
      codec: codec2,
      discriminator: discriminator2,
      lpips: lpips!,
      source: new RandomCropSampler(images, 64, 999),
      options: cp.info.options,
    });
    restoreGanTrainer(resumed, cp);
    expect(resumed.state).toEqual(trainer.state);

    // Identical outputs: reconstructions at a realistic beta and discriminator logits.
    codec.update();
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const outA = await codec.decompress(await codec.compress(x), 2.56);
    const outB = await codec2.decompress(await codec2.compress(x), 2.56);
    expect(values(outB)).toEqual(values(outA));
    const y = tf.tidy(() => codec.analysis.call(x));
    const la = discriminator.call(x, y);
    const lb = discriminator2.call(x, y);
    expect(values(lb)).toEqual(values(la));
    tf.dispose([x, outA, outB, y, la, lb]);

    // Training continues identically: same batches, same noise and betas, same updates.
    const ra = trainer.trainStep();
    const rb = resumed.trainStep();
    expect({ ...rb, ms: 0 }).toEqual({ ...ra, ms: 0 });
    const a = codec.stateDict();
    const b = codec2.stateDict();
    for (const k of Object.keys(a)) expect(values(b[k]!)).toEqual(values(a[k]!));
    tf.dispose([...Object.values(a), ...Object.values(b)]);
    for (const t of [trainer, resumed]) t.dispose();
    for (const m of [codec, codec2, discriminator, discriminator2]) m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
