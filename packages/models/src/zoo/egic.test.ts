import { CorruptStreamError, InvalidArgumentError, ShapeError, setBackend } from '@ncomp/core';
import { Lpips, OasisDiscriminator, PatchGanDiscriminator } from '@ncomp/losses';
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
import { EGIC_LOSS_WEIGHTS, egicGeneratorLoss } from '../training/egic-loss.js';
import { EgicTrainer, type EgicStepReport, type EgicTrainOptions } from '../training/egic-trainer.js';
import { readGanCheckpoint, restoreGanTrainer, writeGanCheckpoint } from '../training/gan-checkpoint.js';
import type { BatchSource } from '../training/gan-trainer.js';
import type { LabeledBatch, LabeledBatchSource } from '../training/labeled-batch.js';
import { SeededRandom } from '../training/rng.js';
import { EGIC_REFERENCE_CONFIG, EGIC_SMALL_CONFIG, egicLatentChannels, isEgicConfig, parseEgicConfig, type EgicConfig } from './egic-config.js';
import { EGIC_ALPHA_CONTROL, EgicCodec, egic, egicDiscriminator } from './egic.js';
import { HIFIC_SMALL_CONFIG, isHificConfig } from './hific.js';
import { MRIC_SMALL_CONFIG, isMricConfig } from './mric.js';
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
if (!haveLpips) console.warn(`skipping the EGIC training tests: ${LPIPS_FILE} is absent (LPIPS weights live in ../shared/data beside the repository)`);

let lpips: Lpips | undefined;
let dir: string;
beforeAll(async () => {
  await setBackend('wasm');
  if (haveLpips) lpips = await Lpips.fromFile(LPIPS_FILE, 'alex');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-egic-'));
});
afterAll(async () => {
  lpips?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Parameters of EGIC as Nikolai10/EGIC builds it (`archs.py`, `swins/`, Keras layers:
 * Dense with bias unless stated, LayerNormalization gamma + beta, bias tables
 * (2w - 1)² x heads, SignalConv2D 3x3 slice transforms with bias, NoisyDeepFactorized
 * filters (3, 3, 3)), computed layer by layer.
 */
function referenceParameterCount(c: EgicConfig): { analysis: number; synthesis: number; entropyModel: number; orp: number } {
  const dense = (i: number, o: number, bias = true): number => i * o + (bias ? o : 0);
  const block = (d: number, w: number): number => {
    const heads = Math.floor(d / c.headDim);
    const inner = heads * c.headDim;
    return (2 * w - 1) ** 2 * heads + dense(d, 3 * inner) + dense(inner, d) + 4 * d + dense(d, 4 * d) + dense(4 * d, d);
  };
  const stage = (d: number, depth: number, w: number): number => depth * block(d, w);
  const merge = (d: number, out: number): number => 8 * d + dense(4 * d, out, false);
  const split = (d: number, out: number): number => dense(d, 4 * out, false) + 8 * out;
  const unpack = (d: number, out: number): number => dense(d, 4 * out);
  const embed = (cin: number, cout: number): number => 4 * cin * cout + cout;
  const n = c.analysisChannels.length;
  const M = egicLatentChannels(c);
  let analysis = embed(3, c.analysisChannels[0]!);
  let synthesis = 0;
  for (let i = 0; i < n; i++) {
    analysis += stage(c.analysisChannels[i]!, c.analysisDepths[i]!, c.windowSize) + (i < n - 1 ? merge(c.analysisChannels[i]!, c.analysisChannels[i + 1]!) : 0);
    synthesis +=
      stage(c.synthesisChannels[i]!, c.synthesisDepths[i]!, c.windowSize) +
      (i < n - 1 ? split(c.synthesisChannels[i]!, c.synthesisChannels[i + 1]!) : unpack(c.synthesisChannels[i]!, 3));
  }
  const orp = stage(c.synthesisChannels[n - 1]!, c.synthesisDepths[n - 1]!, c.windowSize) + unpack(c.synthesisChannels[n - 1]!, 3);
  const Z = c.hyperChannels;
  const k = c.hyperAnalysisDepths.length;
  let hyper = embed(M, Z);
  for (let i = 0; i < k; i++) {
    hyper += stage(Z, c.hyperAnalysisDepths[i]!, c.hyperWindowSize) + (i < k - 1 ? merge(Z, Z) : 0);
    hyper += stage(Z, c.hyperSynthesisDepths[i]!, c.hyperWindowSize) + (i < k - 1 ? split(Z, Z) : unpack(Z, 2 * M));
  }
  const K = M / c.numSlices;
  const conv3 = (cin: number, cout: number): number => 9 * cin * cout + cout;
  let slices = 0;
  for (let i = 0; i < c.numSlices; i++) {
    const support = K + K * (c.maxSupportSlices < 0 ? i : Math.min(i, c.maxSupportSlices));
    const [h0, h1] = c.sliceHiddenChannels[i]!;
    slices += 2 * (conv3(support, h0) + conv3(h0, h1) + conv3(h1, K));
  }
  return { analysis, synthesis, entropyModel: hyper + slices + Z * (3 + 9 + 9 + 3 + 10 + 9), orp };
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

/** Labels of a batch: numClasses classes from the red channel's level and the blue channel's half (deterministic). */
function labelsOf(x: tf.Tensor4D, numClasses: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [r, , b] = tf.split(x, 3, 3);
    const cls = tf.add(tf.floor(tf.mul(tf.clipByValue(r!, 0, 0.999), numClasses / 2)), tf.mul(tf.cast(tf.greater(b!, 0.5), 'float32'), numClasses / 2));
    return tf.cast(tf.reshape(tf.clipByValue(cls, 0, numClasses - 1), [x.shape[0], x.shape[1], x.shape[2]]), 'int32') as tf.Tensor3D;
  });
}

/** Always the same batch (clones, so the trainer may dispose them); labels derived from the images. */
class FixedBatch implements LabeledBatchSource {
  state = 0;
  constructor(
    private readonly x: tf.Tensor4D,
    readonly numClasses = EGIC_SMALL_CONFIG.semanticClasses,
  ) {}
  next(batchSize: number): tf.Tensor4D {
    expect(batchSize).toBe(this.x.shape[0]);
    return tf.clone(this.x);
  }
  nextLabeled(batchSize: number): LabeledBatch {
    const images = this.next(batchSize);
    return { images, labels: labelsOf(images, this.numClasses) };
  }
}

/** Random crops with derived labels; `state` restores the sequence. */
class LabeledCrops implements LabeledBatchSource {
  readonly numClasses = EGIC_SMALL_CONFIG.semanticClasses;
  private readonly sampler: RandomCropSampler;
  constructor(images: RgbImage[], seed: number) {
    this.sampler = new RandomCropSampler(images, 64, seed);
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
    return { images, labels: labelsOf(images, this.numClasses) };
  }
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

/** Values of every variable by name. */
function snapshot(codec: EgicCodec): Map<string, number[]> {
  return new Map([...codec.namedVariables()].map(([k, v]) => [k, values(v)]));
}

describe('egic-orp model', () => {
  it('is in the registry; configurations parse and are told apart; parameter counts follow the reference architecture', () => {
    const entry = modelEntry('egic-orp');
    expect(entry.defaultConfig).toEqual(EGIC_REFERENCE_CONFIG);
    expect(parseEgicConfig({ windowSize: 2 }, EGIC_SMALL_CONFIG)).toEqual({ ...EGIC_SMALL_CONFIG, windowSize: 2 });
    expect(parseEgicConfig(JSON.parse(JSON.stringify(EGIC_REFERENCE_CONFIG)))).toEqual(EGIC_REFERENCE_CONFIG);
    expect(() => parseEgicConfig({ window: 4 })).toThrow(/unknown config field "window"/);
    expect(() => parseEgicConfig({ synthesisDepths: [1, 1] }, EGIC_SMALL_CONFIG)).toThrow(/synthesisDepths must have one entry per g_a stage \(4\)/);
    expect(() => parseEgicConfig({ synthesisChannels: [8, 16, 8, 8] }, EGIC_SMALL_CONFIG)).toThrow(/synthesisChannels\[0\] \(8\) must be the latent width/);
    expect(() => parseEgicConfig({ numSlices: 3 }, EGIC_SMALL_CONFIG)).toThrow(/sliceHiddenChannels must list one/);
    expect(() =>
      parseEgicConfig(
        {
          numSlices: 3,
          sliceHiddenChannels: [
            [1, 1],
            [1, 1],
            [1, 1],
          ],
        },
        EGIC_SMALL_CONFIG,
      ),
    ).toThrow(/numSlices \(3\) must divide/);
    expect(() => parseEgicConfig({ headDim: 12 }, EGIC_SMALL_CONFIG)).toThrow(InvalidArgumentError);
    expect(() => parseEgicConfig([1])).toThrow(InvalidArgumentError);
    expect([isEgicConfig(EGIC_SMALL_CONFIG), isMricConfig(EGIC_SMALL_CONFIG), isHificConfig(EGIC_SMALL_CONFIG)]).toEqual([true, false, false]);
    expect([isEgicConfig(MRIC_SMALL_CONFIG), isEgicConfig(HIFIC_SMALL_CONFIG)]).toEqual([false, false]);
    const model = createModel('egic-orp', EGIC_SMALL_CONFIG) as EgicCodec;
    expect(model).toBeInstanceOf(EgicCodec);
    expect(model.decodeControl).toBe(EGIC_ALPHA_CONTROL);
    const ref = referenceParameterCount(EGIC_SMALL_CONFIG);
    expect(model.analysis.numParameters()).toBe(ref.analysis);
    expect(model.synthesis.numParameters()).toBe(ref.synthesis);
    expect(model.orp.numParameters()).toBe(ref.orp);
    expect(model.latentCodec.numParameters({ trainableOnly: true })).toBe(ref.entropyModel);
    expect(model.numParameters({ trainableOnly: true })).toBe(ref.analysis + ref.synthesis + ref.orp + ref.entropyModel);
    expect(model.padMultiple).toBe(64);
    expect(model.latentCodec.streamNames).toEqual(['y', 'z']);
    model.dispose();
  });

  it('the reference configuration (the released recipe), built and counted: entropy model 14,280,404, OASIS-C 22,450,247', () => {
    // Builds the full codec and OASIS-C once each (~3 s / ~130 MB and ~6 s / ~90 MB on the cpu backend).
    const model = egic(EGIC_REFERENCE_CONFIG);
    try {
      const full = referenceParameterCount(EGIC_REFERENCE_CONFIG);
      // g_a 9,139,416 + g_s 9,139,300 + entropy model 14,280,404 (max_support_slices 10) + ORP head 399,892.
      const built = [
        model.analysis.numParameters(),
        model.synthesis.numParameters(),
        model.latentCodec.numParameters({ trainableOnly: true }),
        model.orp.numParameters(),
      ];
      expect(built).toEqual([full.analysis, full.synthesis, full.entropyModel, full.orp]);
      expect(built).toEqual([9_139_416, 9_139_300, 14_280_404, 399_892]);
      expect(model.numParameters({ trainableOnly: true })).toBe(32_959_012);
      // With the argparse default max_support_slices 5 the entropy model has 13,054,100.
      expect(referenceParameterCount({ ...EGIC_REFERENCE_CONFIG, maxSupportSlices: 5 }).entropyModel).toBe(13_054_100);
    } finally {
      model.dispose();
    }
    const oasis = egicDiscriminator(EGIC_REFERENCE_CONFIG, { labels: true });
    expect(oasis.numParameters({ trainableOnly: true })).toBe(22_450_247);
    expect((oasis as OasisDiscriminator).inputScale).toBe(255);
    oasis.dispose();
  }, 120_000);

  it("codes odd sizes: the ChARM stream decodes to compress's quantized latent exactly, at every alpha the same bytes", async () => {
    const model = seeded(1, () => egic(EGIC_SMALL_CONFIG));
    model.update();
    const before = tf.memory().numTensors;
    const M = egicLatentChannels(EGIC_SMALL_CONFIG);
    for (const [h, w] of [
      [37, 50],
      [65, 130],
    ] as const) {
      const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', h + w) as tf.Tensor4D;
      const ph = Math.ceil(h / 64) * 64;
      const pw = Math.ceil(w / 64) * 64;
      const y = tf.tidy(() => model.analysis.call(replicatePad(x, ph - h, pw - w)) as tf.Tensor4D);
      expect(y.shape).toEqual([1, ph / 16, pw / 16, M]);
      const { streams, yHat } = await model.latentCodec.compress(y);
      const decoded = await model.latentCodec.decompress(streams, [ph / 16, pw / 16]);
      expect(values(decoded)).toEqual(values(yHat));
      const evaluated = model.latentCodec.forward(y, false);
      // forward()'s evaluation runs the entropy parameters on the backend (float32), coding in float64: equal within float rounding.
      expectWithin(values(evaluated.yHat), values(yHat), 1e-4);
      const [ys, zs] = streams[0]!;
      await expect(model.latentCodec.decompress([[ys!.subarray(0, ys!.length - 2), zs!]], [ph / 16, pw / 16])).rejects.toThrow(CorruptStreamError);
      const c = await model.compress(x);
      expect([c.paddedHeight, c.paddedWidth]).toEqual([ph, pw]);
      expect(c.streams.slice(0, -1).map((s) => Array.from(s))).toEqual(streams[0]!.map((s) => Array.from(s)));
      const out = await model.decompressAt(c, [0, 0.5, 1]);
      for (const o of out) expect(o.shape).toEqual([1, h, w, 3]);
      tf.dispose([x, y, yHat, decoded, evaluated.yHat, evaluated.bits, ...out]);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('alpha = 1 is exactly the GAN decoder, alpha = 0 exactly the ORP head, in between the residual mix; never the bitstream', async () => {
    const model = seeded(2, () => egic(EGIC_SMALL_CONFIG));
    model.update();
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const c = await model.compress(x);
    expect((await model.compress(x)).streams.map((s) => Array.from(s))).toEqual(c.streams.map((s) => Array.from(s)));
    const yHat = await model.latentCodec.decompress([c.streams.slice(0, -1)], [4, 4]);
    const { gan, orp, mix } = tf.tidy(() => {
      const f = model.synthesisFeatures(yHat);
      const g = model.lastSynthesisStage.call(f);
      const o = model.orp.call(f);
      return { gan: tf.clipByValue(g, 0, 1), orp: tf.clipByValue(o, 0, 1), mix: tf.clipByValue(tf.add(g, tf.mul(0.75, tf.sub(o, g))), 0, 1) };
    });
    const [a0, a25, a1] = await model.decompressAt(c, [0, 0.25, 1]);
    const aDefault = await model.decompress(c);
    const again = await model.decompress({ ...c, streams: c.streams.map((s) => s.slice()) }, 0);
    expect(values(a1!)).toEqual(values(gan));
    expect(values(aDefault)).toEqual(values(gan));
    expect(values(a0!)).toEqual(values(orp));
    expect(values(again)).toEqual(values(orp));
    const maxDiff = (p: tf.Tensor, q: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]!);
    expect(maxDiff(a25!, mix)).toBeLessThan(1e-6);
    expect(maxDiff(a0!, a1!)).toBeGreaterThan(1e-3);
    // forward: alpha changes the reconstruction, never the rate.
    const batch = tf.concat([x, x]) as tf.Tensor4D;
    const f0 = model.forward(batch, { training: false, alpha: 0 });
    const f1 = model.forward(batch, { training: false });
    expect(values(f0.bits)).toEqual(values(f1.bits));
    expect(values(f0.xHat)).not.toEqual(values(f1.xHat));
    await expect(model.decompress(c, 1.5)).rejects.toThrow(InvalidArgumentError);
    await expect(model.decompress(c, -0.1)).rejects.toThrow(InvalidArgumentError);
    await expect(model.decompress(c, Number.NaN)).rejects.toThrow(InvalidArgumentError);
    expect(() => model.forward(batch, { alpha: 2 })).toThrow(InvalidArgumentError);
    const half = tf.slice(x, [0, 0, 0, 0], [1, 32, 64, 3]);
    expect(() => model.trainingForward(half)).toThrow(ShapeError);
    half.dispose();
    // The ORP head initialised from g_s's last stage predicts exactly the GAN output.
    model.initializeOrpFromSynthesis();
    const [b0, b1] = await model.decompressAt(c, [0, 1]);
    expect(values(b0!)).toEqual(values(b1!));
    tf.dispose([x, yHat, gan, orp, mix, a0!, a25!, a1!, aDefault, again, batch, f0.xHat, f0.bits, f0.bpp, f1.xHat, f1.bits, f1.bpp, b0!, b1!]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('model files reload to byte-identical coding and identical reconstructions at every alpha', async () => {
    const model = seeded(3, () => egic(EGIC_SMALL_CONFIG));
    model.update();
    const loaded = loadModelBytes(await modelFileBytes(model, 'egic-orp', EGIC_SMALL_CONFIG));
    expect(loaded.model).toBeInstanceOf(EgicCodec);
    const copy = loaded.model as EgicCodec;
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const c = await model.compress(x);
    expect((await copy.compress(x)).streams.map((s) => Array.from(s))).toEqual(c.streams.map((s) => Array.from(s)));
    const a = await model.decompressAt(c, [0, 0.5, 1]);
    const b = await copy.decompressAt(c, [0, 0.5, 1]);
    a.forEach((t, i) => expect(values(b[i]!)).toEqual(values(t)));
    tf.dispose([x, ...a, ...b]);
    model.dispose();
    copy.dispose();
  });

  it('builds OASIS-C with labels and the PatchGAN without, conditioned on the latent at H/16', () => {
    const oasis = egicDiscriminator(EGIC_SMALL_CONFIG, { labels: true });
    const patch = egicDiscriminator(EGIC_SMALL_CONFIG);
    expect(oasis).toBeInstanceOf(OasisDiscriminator);
    expect(patch).toBeInstanceOf(PatchGanDiscriminator);
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 5);
    const y = tf.randomUniform([1, 4, 4, 16], -1, 1, 'float32', 6);
    const logits = oasis.call(x, y);
    expect(logits.shape).toEqual([1, 64, 64, EGIC_SMALL_CONFIG.semanticClasses + 1]);
    tf.dispose([x, y, logits]);
    expect(tf.memory().numTensors).toBe(before);
    oasis.dispose();
    patch.dispose();
  });
});

describe('EGIC loss', () => {
  it('is 0.1 2^-5 0.75 MSE + LPIPS + lambda bpp + 0.15 g, lambda 2 (the released recipe)', () => {
    const w = EGIC_LOSS_WEIGHTS;
    expect(w.mseWeight).toBeCloseTo(0.00234375, 12);
    expect([w.lpipsWeight, w.lambda, w.ganWeight, w.labelMixWeight]).toEqual([1, 2, 0.15, 10]);
    const terms = { bpp: tf.scalar(0.3), mse: tf.scalar(50), lpips: tf.scalar(0.4), gan: tf.scalar(0.7) };
    const out = egicGeneratorLoss(terms);
    expect(out.loss.dataSync()[0]).toBeCloseTo(0.00234375 * 50 + 0.4 + 2 * 0.3 + 0.15 * 0.7, 5);
    const stage1 = egicGeneratorLoss({ bpp: terms.bpp, mse: terms.mse });
    expect(stage1.weightedGan).toBeUndefined();
    expect(stage1.weightedLpips).toBeUndefined();
    tf.dispose([...Object.values(terms), ...Object.values(out), ...Object.values(stage1)]);
  });
});

describe.skipIf(!haveLpips)('EgicTrainer on the small EGIC (64x64 crops, batch 2)', () => {
  const config = EGIC_SMALL_CONFIG;
  let stage1Codec: EgicCodec | undefined;

  it('stage 1 (end to end: MSE + LPIPS + rate) lowers its loss on a fixed batch, without leaking tensors', () => {
    const codec = seeded(11, () => egic(config));
    const x = batchOf(2, 3);
    const trainer = new EgicTrainer({
      codec,
      lpips: lpips!,
      source: new FixedBatch(x),
      options: { stage: 1, steps: 100, batchSize: 2, learningRate: 3e-3, seed: 1 },
    });
    expect([...trainer.parameters.keys()].some((k) => k.startsWith('analysis.'))).toBe(true);
    expect([...trainer.parameters.keys()].some((k) => k.startsWith('orp.'))).toBe(false);
    const orpBefore = values(codec.orp.blocks[0]!.attn.qkv.kernel);
    const reports: EgicStepReport[] = [trainer.trainStep()];
    const withMoments = tf.memory().numTensors;
    for (let i = 0; i < 7; i++) reports.push(trainer.trainStep());
    expect(tf.memory().numTensors).toBe(withMoments);
    const r = reports[0]!;
    expect([r.gLoss, r.dLoss, r.discriminator]).toEqual([null, null, null]);
    expect(r.lpips).toBeGreaterThan(0);
    expect(r.loss / (r.weightedMse + r.weightedLpips! + r.weightedRate!)).toBeCloseTo(1, 5);
    const losses = reports.map((q) => q.loss);
    expect(mean(losses.slice(-3))).toBeLessThan(0.8 * mean(losses.slice(0, 3)));
    expect(values(codec.orp.blocks[0]!.attn.qkv.kernel)).toEqual(orpBefore);
    trainer.dispose();
    x.dispose();
    stage1Codec = codec;
  });

  it('stage 2 with OASIS-C (labelled batches) and with the PatchGAN: the discriminator learns, only g_s trains, every term is reported', () => {
    const codec = stage1Codec ?? seeded(11, () => egic(config));
    const x = batchOf(4, 5);
    for (const labels of [true, false]) {
      const discriminator = seeded(12, () => egicDiscriminator(config, { labels }));
      const source: BatchSource = labels ? new FixedBatch(x) : { state: 0, next: (n: number) => (expect(n).toBe(4), tf.clone(x)) };
      // The reference's stage-2 learning rate 1e-5 for g_s; a fast discriminator, so it learns within the few steps.
      const options: EgicTrainOptions = { stage: 2, steps: 100, batchSize: 2, discriminatorLearningRate: labels ? 5e-3 : 2e-3, seed: 2 };
      const trainer = new EgicTrainer({ codec, discriminator, lpips: lpips!, source, options });
      expect([...trainer.parameters.keys()].every((k) => k.startsWith('synthesis.'))).toBe(true);
      const fixed = snapshot(codec);
      const reports: EgicStepReport[] = [trainer.trainStep()];
      const withMoments = tf.memory().numTensors;
      for (let i = 0; i < 9; i++) reports.push(trainer.trainStep());
      expect(tf.memory().numTensors).toBe(withMoments);
      for (const r of reports) {
        expect(r.discriminator).toBe(labels ? 'oasis' : 'patchgan');
        for (const v of [r.loss, r.bpp, r.mse, r.lpips, r.gLoss, r.weightedGan, r.dLoss, r.dReal, r.dFake, r.gradNorm, r.discriminatorGradNorm])
          expect(Number.isFinite(v)).toBe(true);
        expect(r.dLabelMix === null).toBe(!labels);
        expect(r.loss / (r.weightedMse + r.weightedLpips! + r.weightedRate! + r.weightedGan!)).toBeCloseTo(1, 5);
      }
      const d = reports.map((r) => r.dLoss!);
      expect(mean(d.slice(-3))).toBeLessThan(0.9 * mean(d.slice(0, 3)));
      const after = snapshot(codec);
      for (const [k, v] of fixed) {
        if (!k.startsWith('synthesis.')) expect(after.get(k), k).toEqual(v);
      }
      expect([...fixed].some(([k, v]) => k.startsWith('synthesis.') && after.get(k)!.some((e, i) => e !== v[i]))).toBe(true);
      trainer.dispose();
      discriminator.dispose();
    }
    expect(
      () =>
        new EgicTrainer({
          codec,
          discriminator: egicDiscriminator(config, { labels: true }),
          lpips: null,
          source: new RandomCropSampler(syntheticImages(1, 64, 64, 1), 64, 1),
          options: { stage: 2, steps: 1, batchSize: 1 },
        }),
    ).toThrow(/LabeledBatchSource/);
    expect(() => new EgicTrainer({ codec, lpips: null, source: new FixedBatch(x), options: { stage: 2, steps: 1, batchSize: 1 } })).toThrow(
      /needs a discriminator/,
    );
    expect(() => new EgicTrainer({ codec, lpips: null, source: new FixedBatch(x), options: { stage: 3, steps: 1, batchSize: 1, generator: 'codec' } })).toThrow(
      InvalidArgumentError,
    );
    x.dispose();
    if (!stage1Codec) codec.dispose();
  });

  it("stage 2 with OASIS-C first runs its data-dependent weight-norm initialisation (EGIC's data_init), unless turned off", () => {
    const codec = stage1Codec ?? seeded(11, () => egic(config));
    const x = batchOf(4, 5);
    const relativeChange = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(b[i]! - v) / Math.abs(v)));
    for (const initializeDiscriminator of [true, false]) {
      const discriminator = seeded(12, () => egicDiscriminator(config, { labels: true }));
      const g = discriminator.namedVariables().get('down0.conv1.g')!;
      const before = values(g);
      const options: EgicTrainOptions = { stage: 2, steps: 10, batchSize: 2, seed: 2, initializeDiscriminator };
      const trainer = new EgicTrainer({ codec, discriminator, lpips: null, source: new FixedBatch(x), options });
      trainer.trainStep();
      // Adam at EGIC's 1e-5 moves g by about 1e-5; the initialisation rescales it by the
      // spread of the first convolution's outputs on 0-255 images.
      if (initializeDiscriminator) expect(relativeChange(before, values(g))).toBeGreaterThan(0.05);
      else expect(relativeChange(before, values(g))).toBeLessThan(0.01);
      trainer.dispose();
      discriminator.dispose();
    }
    x.dispose();
    if (!stage1Codec) codec.dispose();
  });

  it("stage 3 starts the ORP head from g_s's last stage, lowers its MSE and changes nothing but the head; checkpoints resume exactly", async () => {
    const start = tf.memory().numTensors;
    const codec = stage1Codec ?? seeded(11, () => egic(config));
    const x = batchOf(2, 7);
    const ganMse = tf.tidy(() => tf.mean(tf.squaredDifference(tf.mul(codec.trainingForward(x).xHat, 255), tf.mul(x, 255))).dataSync()[0]!);
    const trainer = new EgicTrainer({
      codec,
      lpips: null,
      source: new FixedBatch(x),
      options: { stage: 3, steps: 100, batchSize: 2, learningRate: 3e-3, seed: 3 },
    });
    expect([...trainer.parameters.keys()].every((k) => k.startsWith('orp.'))).toBe(true);
    const fixed = snapshot(codec);
    const reports: EgicStepReport[] = [trainer.trainStep()];
    expect(reports[0]!.mse).toBeCloseTo(ganMse, 2);
    for (let i = 0; i < 7; i++) reports.push(trainer.trainStep());
    const r = reports[0]!;
    expect([r.weightedRate, r.lpips, r.gLoss, r.dLoss]).toEqual([null, null, null, null]);
    expect(r.loss).toBe(r.mse);
    const losses = reports.map((q) => q.loss);
    expect(mean(losses.slice(-3))).toBeLessThan(0.95 * mean(losses.slice(0, 3)));
    const after = snapshot(codec);
    let changed = 0;
    for (const [k, v] of fixed) {
      if (k.startsWith('orp.')) changed += after.get(k)!.some((e, i) => e !== v[i]) ? 1 : 0;
      else expect(after.get(k), k).toEqual(v);
    }
    expect(changed).toBeGreaterThan(0);

    const run = join(dir, 's3');
    await writeGanCheckpoint(run, trainer, 'egic-orp', config);
    expect((await readdir(run)).sort()).toEqual(['checkpoint.json', 's3-model-8.safetensors', 's3-optimizer-8.safetensors']);
    const cp = await readGanCheckpoint<EgicTrainOptions>(run);
    const codec2 = cp.loaded.model as EgicCodec;
    const resumed = new EgicTrainer({ codec: codec2, lpips: null, source: new FixedBatch(x), options: cp.info.options });
    restoreGanTrainer(resumed, cp);
    expect(resumed.state).toEqual(trainer.state);
    const ra = trainer.trainStep();
    const rb = resumed.trainStep(); // step 8: no second copy of the last stage into the head
    expect({ ...rb, ms: 0 }).toEqual({ ...ra, ms: 0 });
    trainer.dispose();
    resumed.dispose();
    codec2.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(start + (stage1Codec ? 0 : codec.variables().length));
    codec.dispose();
  });

  it('stage-2 checkpoints (codec, OASIS-C, optimizers, steps, noise and LabelMix stream) reload to identical outputs and identical training', async () => {
    const start = tf.memory().numTensors;
    const codec = seeded(13, () => egic(config));
    const discriminator = seeded(14, () => egicDiscriminator(config, { labels: true }));
    const images = syntheticImages(3, 80, 72, 9);
    const options: EgicTrainOptions = { stage: 2, steps: 10, batchSize: 1, learningRate: 1e-3, seed: 4 };
    const trainer = new EgicTrainer({ codec, discriminator, lpips: lpips!, source: new LabeledCrops(images, 1), options });
    trainer.trainStep();
    const run = join(dir, 's2');
    await writeGanCheckpoint(run, trainer, 'egic-orp', config, { note: 'x' });
    expect((await readdir(run)).sort()).toEqual([
      'checkpoint.json',
      's2-discriminator-1.safetensors',
      's2-discriminator-optimizer-1.safetensors',
      's2-model-1.safetensors',
      's2-optimizer-1.safetensors',
    ]);
    const cp = await readGanCheckpoint<EgicTrainOptions>(run);
    expect(cp.info.model).toBe('egic-orp');
    const codec2 = cp.loaded.model as EgicCodec;
    const discriminator2 = egicDiscriminator(cp.info.config as EgicConfig, { labels: true });
    const resumed = new EgicTrainer({
      codec: codec2,
      discriminator: discriminator2,
      lpips: lpips!,
      source: new LabeledCrops(images, 999),
      options: cp.info.options,
    });
    restoreGanTrainer(resumed, cp);
    expect(resumed.state).toEqual(trainer.state);

    codec.update();
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const outA = await codec.decompressAt(await codec.compress(x), [0, 1]);
    const outB = await codec2.decompressAt(await codec2.compress(x), [0, 1]);
    outA.forEach((t, i) => expect(values(outB[i]!)).toEqual(values(t)));
    const y = tf.tidy(() => codec.analysis.call(x));
    const la = discriminator.call(x, y);
    const lb = discriminator2.call(x, y);
    expect(values(lb)).toEqual(values(la));
    tf.dispose([x, ...outA, ...outB, y, la, lb]);

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
