import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { OasisDiscriminator, nonSaturatingGeneratorLoss, oasisGeneratorLoss, type Lpips } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { EgicCodec } from '../zoo/egic.js';
import { egicGeneratorLoss, resolveEgicLossWeights, type EgicLossWeights } from './egic-loss.js';
import { GanTrainerBase, discriminatorUpdate, optimizerUpdate, withSeededMathRandom, type DiscriminatorStepResult } from './gan-common.js';
import type { BatchSource, ConditionalDiscriminator } from './gan-trainer.js';
import { isLabeledBatchSource, type LabeledBatchSource } from './labeled-batch.js';
import { oasisDiscriminatorUpdate } from './oasis-update.js';

/** Options of {@link EgicTrainer}. */
export interface EgicTrainOptions {
  /**
   * 1: end-to-end MSE + LPIPS + rate, no discriminator; 2: the same plus the GAN term, with
   * discriminator steps, started from a stage-1 codec; 3: output residual prediction, only
   * the ORP head trains, on the MSE of its prediction, started from a stage-2 codec.
   */
  readonly stage: 1 | 2 | 3;
  /** Total steps of this stage (for the learning-rate schedule). */
  readonly steps: number;
  /**
   * Images per generator step. In stage 2 each step draws twice as many: the first half for
   * the codec step, the second for the discriminator step (the reference's split batch).
   */
  readonly batchSize: number;
  /** Adam step size of the trained parameters before decay; default 1e-4 in stages 1 and 3, 1e-5 in stage 2 (EGIC). */
  readonly learningRate?: number;
  /** Adam step size of the discriminator before decay; default `learningRate`. */
  readonly discriminatorLearningRate?: number;
  /**
   * From this step on both learning rates are multiplied by `decayFactor`. Default: stage 1
   * `floor(0.9 · steps)` and stage 3 `floor(0.96 · steps)` (the released recipe drops to 1e-5
   * at epoch 180 of 200 and 480 of 500), stage 2 never.
   */
  readonly decayStart?: number;
  /** Learning-rate factor after `decayStart`; default 0.1. */
  readonly decayFactor?: number;
  /** Clip the trained parameters' gradients to this global norm; default 0 (off, as the reference). */
  readonly clipNorm?: number;
  /** Clip the discriminator's gradients to this global norm; default 0 (off). */
  readonly discriminatorClipNorm?: number;
  /** Seed of the quantization-noise and LabelMix stream. */
  readonly seed?: number;
  /**
   * What the codec step trains in stages 1 and 2: `codec` (g_a, the entropy model and g_s)
   * or `synthesis` (g_s alone, the encoder and entropy model fixed). Default: stage 1
   * `codec` (end to end), stage 2 `synthesis` (the reference's "fix E, P -> only finetune
   * G"). The ORP head never trains before stage 3. Refused in stage 3.
   */
  readonly generator?: 'codec' | 'synthesis';
  /**
   * Stage 3: copy g_s's last stage into the ORP head before the first step
   * ({@link EgicCodec.initializeOrpFromSynthesis}, the reference's `SetWeightsCallback`).
   * Default true; a resumed run (step > 0) never copies.
   */
  readonly initializeOrp?: boolean;
  /** Loss weights and λ; missing fields take {@link EGIC_LOSS_WEIGHTS}. */
  readonly loss?: Partial<EgicLossWeights>;
}

/** What one {@link EgicTrainer} step measured (batch means). */
export interface EgicStepReport {
  /** Steps done in this stage after this one. */
  readonly step: number;
  /** The stage. */
  readonly stage: 1 | 2 | 3;
  /** The trained loss: {@link egicGeneratorLoss} in stages 1 and 2, the ORP head's MSE in stage 3. */
  readonly loss: number;
  /** Rate R: bits per pixel of the noisy latents. */
  readonly bpp: number;
  /** MSE on the 0-255 scale of the trained output: the GAN decoder's (stages 1, 2) or the ORP head's (stage 3). */
  readonly mse: number;
  /** PSNR of `mse`, dB. */
  readonly psnr: number;
  /** LPIPS distance (unweighted), or null (no LPIPS model, or stage 3). */
  readonly lpips: number | null;
  /** The generator's GAN loss (unweighted; null outside stage 2): OASIS cross-entropy or non-saturating. */
  readonly gLoss: number | null;
  /** The MSE term of `loss`: mseWeight · MSE (stages 1, 2), MSE itself (stage 3). */
  readonly weightedMse: number;
  /** lpipsWeight · LPIPS, or null. */
  readonly weightedLpips: number | null;
  /** λ · R, or null in stage 3 (the rate is not trained there). */
  readonly weightedRate: number | null;
  /** ganWeight · gLoss, or null. */
  readonly weightedGan: number | null;
  /** The discriminator's loss (OASIS: both cross-entropies and the weighted LabelMix term); null outside stage 2. */
  readonly dLoss: number | null;
  /** Discriminator on real images: mean sigmoid (PatchGAN) or mean 1 - p(fake) (OASIS-C); null outside stage 2. */
  readonly dReal: number | null;
  /** The same on reconstructions; null outside stage 2. */
  readonly dFake: number | null;
  /** The unweighted LabelMix loss (OASIS-C only), or null. */
  readonly dLabelMix: number | null;
  /** Which discriminator trained: `oasis`, `patchgan` (any other conditional discriminator), or null. */
  readonly discriminator: 'oasis' | 'patchgan' | null;
  /** Learning rate of the trained parameters. */
  readonly learningRate: number;
  /** Global norm of the trained parameters' gradient before clipping. */
  readonly gradNorm: number;
  /** Global norm of the discriminator's gradient before clipping (null outside stage 2). */
  readonly discriminatorGradNorm: number | null;
  /** Wall time of the step in ms. */
  readonly ms: number;
}

/** Everything an {@link EgicTrainer} works on. */
export interface EgicTrainerParts {
  /** The codec (the variables its stage trains are updated in place). */
  readonly codec: EgicCodec;
  /**
   * The discriminator; required in stage 2 ({@link egicDiscriminator}): an
   * {@link OasisDiscriminator} (OASIS-C; needs a {@link LabeledBatchSource} with as many
   * classes) or any other conditional discriminator (the PatchGAN, non-saturating losses).
   */
  readonly discriminator?: ConditionalDiscriminator;
  /** LPIPS for the perceptual term, or null to train without it. */
  readonly lpips: Lpips | null;
  /** Training batches (sizes multiples of the codec's `padMultiple`); with labels for OASIS-C. */
  readonly source: BatchSource | LabeledBatchSource;
  /** See {@link EgicTrainOptions}. */
  readonly options: EgicTrainOptions;
}

/** The codec parameters a stage trains, by state-dict name. */
function stageParameters(codec: EgicCodec, options: EgicTrainOptions): Map<string, tf.Variable> {
  if (options.stage === 3 && options.generator !== undefined) throw new InvalidArgumentError('generator does not apply to stage 3 (only the ORP head trains there)');
  if (options.generator !== undefined && options.generator !== 'codec' && options.generator !== 'synthesis') {
    throw new InvalidArgumentError(`generator must be "codec" or "synthesis", found ${JSON.stringify(options.generator)}`);
  }
  const scope = options.stage === 3 ? 'orp' : (options.generator ?? (options.stage === 1 ? 'codec' : 'synthesis'));
  const keep = (name: string): boolean => (scope === 'orp' ? name.startsWith('orp.') : scope === 'synthesis' ? name.startsWith('synthesis.') : !name.startsWith('orp.'));
  return new Map([...codec.namedVariables()].filter(([name, v]) => v.trainable && keep(name)));
}

/** What the stage-2 discriminator step hands to the codec step. */
interface DiscriminatorOutcome extends DiscriminatorStepResult {
  readonly labelMix: number | null;
}

/**
 * Training of EGIC with output residual prediction (Körber et al. 2024; Nikolai10/EGIC
 * `src/kkshms2024.py`, `src/kkshms2024_orp.py`, summarised in
 * `shared/reference/ARCHITECTURES.md`) in three stages, each in its own run:
 *
 * - **stage 1**: the codec, end to end, minimises 0.1 · 2⁻⁵ · 0.75 · MSE(0-255) + LPIPS +
 *   λ · R ({@link egicGeneratorLoss}, λ = 2, the released recipe);
 * - **stage 2**, from the stage-1 codec with a fresh discriminator: each step draws
 *   2 x `batchSize` images; the discriminator takes one step on the second half, then the
 *   codec (by default g_s alone, as the reference) one step on the first half with
 *   0.15 · g_loss added. With an {@link OasisDiscriminator} (EGIC's OASIS-C; the source must
 *   give semantic labels) D minimises CE(D(x), labels) + CE(D(x̂), fake) + 10 · LabelMix and
 *   g_loss is the cross-entropy of D(x̂) against the real labels; with the label-free
 *   PatchGAN both use the non-saturating losses. The discriminator is conditioned on the
 *   stop-gradient ŷ;
 * - **stage 3**, from the stage-2 codec: the ORP head, initialised from g_s's last stage,
 *   is the only thing that trains, on the plain MSE(0-255) of its prediction x_mse from the
 *   features entering g_s's last stage; g_a, the entropy model and g_s are frozen (their
 *   pass runs outside the gradient tape).
 *
 * Separate Adam optimizers; learning rates 1e-4 (stages 1 and 3, x0.1 from 90 % and 96 % of
 * the steps) and 1e-5 (stage 2). As in {@link GanTrainer}, the quantization noise and the
 * LabelMix coins come from one seeded stream saved in {@link EgicTrainer.state}, so a
 * resumed run continues exactly; checkpoints are GAN checkpoints ({@link writeGanCheckpoint},
 * {@link readGanCheckpoint}, {@link restoreGanTrainer}).
 */
export class EgicTrainer extends GanTrainerBase<EgicCodec, EgicTrainOptions> {
  /** The resolved loss weights. */
  readonly weights: EgicLossWeights;

  /**
   * @param parts - Codec, discriminator, LPIPS, batch source and options.
   * @throws InvalidArgumentError for a stage-2 run without a discriminator, an OASIS-C
   *   discriminator without a labelled source (or with another number of classes), or bad
   *   options.
   */
  constructor(parts: EgicTrainerParts) {
    super(parts, { stages: [1, 2, 3], noiseSalt: 0x65676963, discriminatorHint: 'egicDiscriminator(config, { labels })', parameters: stageParameters(parts.codec, parts.options) });
    this.weights = resolveEgicLossWeights(parts.options.loss);
    const d = parts.discriminator;
    if (parts.options.stage === 2 && d instanceof OasisDiscriminator) {
      if (!isLabeledBatchSource(parts.source)) {
        throw new InvalidArgumentError('the OASIS-C discriminator classifies pixels into semantic classes: give a LabeledBatchSource (images with label maps), or train against the PatchGAN (egicDiscriminator(config) without labels)');
      }
      if (parts.source.numClasses !== d.numClasses) {
        throw new InvalidArgumentError(`the batch source has ${parts.source.numClasses} semantic classes, the OASIS-C discriminator ${d.numClasses}`);
      }
    }
  }

  /** The kind of discriminator of this run (null outside stage 2). */
  get discriminatorKind(): 'oasis' | 'patchgan' | null {
    if (this.options.stage !== 2 || !this.discriminator) return null;
    return this.discriminator instanceof OasisDiscriminator ? 'oasis' : 'patchgan';
  }

  /** EGIC: stage 2 keeps 1e-5. */
  protected override defaultLearningRate(): number {
    return this.options.stage === 2 ? 1e-5 : 1e-4;
  }

  /** EGIC's released recipe: stage 1 drops at 90 % of the steps (epoch 180 of 200), stage 3 at 96 % (480 of 500), stage 2 never. */
  protected override defaultDecayStart(): number {
    if (this.options.stage === 2) return Infinity;
    return Math.floor((this.options.stage === 1 ? 0.9 : 0.96) * this.options.steps);
  }

  /**
   * One step of the run's stage (see the class documentation).
   * @throws NcompError when a gradient is not finite (training diverged); nothing is
   *   updated by the diverged network's step.
   */
  trainStep(): EgicStepReport {
    const t0 = performance.now();
    const b = this.options.batchSize;
    if (this.options.stage === 3) {
      if (this.step === 0 && (this.options.initializeOrp ?? true)) this.codec.initializeOrpFromSynthesis();
      const batch = this.drawBatch(b);
      try {
        return withSeededMathRandom(this.noise, () => this.orpStep(batch, t0));
      } finally {
        batch.dispose();
      }
    }
    if (this.options.stage === 1) {
      const batch = this.drawBatch(b);
      try {
        return withSeededMathRandom(this.noise, () => this.generatorStep(batch, undefined, undefined, t0));
      } finally {
        batch.dispose();
      }
    }
    const oasis = this.discriminatorKind === 'oasis';
    const drawn = oasis ? (this.source as LabeledBatchSource).nextLabeled(2 * b) : { images: this.drawBatch(2 * b), labels: undefined };
    const owned: tf.Tensor[] = [drawn.images, ...(drawn.labels ? [drawn.labels] : [])];
    try {
      if (drawn.images.shape[0] !== 2 * b || (drawn.labels && !tf.util.arraysEqual(drawn.labels.shape, drawn.images.shape.slice(0, 3)))) {
        throw new ShapeError(`the batch source gave images [${drawn.images.shape.join(', ')}]${drawn.labels ? ` and labels [${drawn.labels.shape.join(', ')}]` : ''}, expected ${2 * b} images${drawn.labels ? ' with one label per pixel' : ''}`);
      }
      const [xg, xd] = tf.split(drawn.images, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
      owned.push(xg, xd);
      const [lg, ld] = drawn.labels ? (tf.split(drawn.labels, 2, 0) as [tf.Tensor3D, tf.Tensor3D]) : [undefined, undefined];
      if (lg && ld) owned.push(lg, ld);
      return withSeededMathRandom(this.noise, () => {
        const d = this.discriminatorStep(xd, ld);
        return this.generatorStep(xg, lg, d, t0);
      });
    } finally {
      tf.dispose(owned);
    }
  }

  private discriminatorStep(x: tf.Tensor4D, labels: tf.Tensor3D | undefined): DiscriminatorOutcome {
    const { xHat, yHat } = tf.tidy(() => {
      const f = this.codec.trainingForward(x);
      return { xHat: f.xHat, yHat: f.yHat };
    });
    const common = {
      parameters: this.dParams,
      optimizer: this.discriminatorOptimizer,
      x,
      xHat,
      yHat,
      clipNorm: this.options.discriminatorClipNorm ?? 0,
      learningRate: this.discriminatorLearningRateAt(this.step),
      step: this.step,
    };
    try {
      if (labels && this.discriminator instanceof OasisDiscriminator) {
        const seed = Math.floor(this.noise.next() * 2 ** 31);
        return oasisDiscriminatorUpdate({ ...common, discriminator: this.discriminator, labels, labelMixWeight: this.weights.labelMixWeight, labelMixSeed: seed });
      }
      return { ...discriminatorUpdate({ ...common, discriminator: this.discriminator! }), labelMix: null };
    } finally {
      tf.dispose([xHat, yHat]);
    }
  }

  private generatorStep(x: tf.Tensor4D, labels: tf.Tensor3D | undefined, d: DiscriminatorOutcome | undefined, t0: number): EgicStepReport {
    const disc = d ? this.discriminator! : undefined;
    const stats: Record<string, tf.Tensor> = {};
    const lr = this.learningRateAt(this.step);
    try {
      const { loss, norm } = optimizerUpdate(
        this.params,
        this.optimizer,
        () => {
          const f = this.codec.trainingForward(x);
          const mse = tf.mean(tf.squaredDifference(tf.mul(f.xHat, 255), tf.mul(x, 255))) as tf.Scalar;
          const lpips = this.lpips ? (this.lpips.distance(f.xHat, x, { reduction: 'mean' }) as tf.Scalar) : undefined;
          let gan: tf.Scalar | undefined;
          if (disc) {
            const logits = disc.call(f.xHat, f.yHat, false);
            gan = labels && disc instanceof OasisDiscriminator ? oasisGeneratorLoss(logits, labels) : (nonSaturatingGeneratorLoss(logits) as tf.Scalar);
          }
          const out = egicGeneratorLoss({ bpp: f.bpp, mse, ...(lpips ? { lpips } : {}), ...(gan ? { gan } : {}) }, this.weights);
          stats['bpp'] = tf.keep(f.bpp);
          stats['mse'] = tf.keep(mse);
          stats['weightedMse'] = tf.keep(out.weightedMse);
          stats['weightedRate'] = tf.keep(out.weightedRate);
          if (lpips) stats['lpips'] = tf.keep(lpips);
          if (gan) stats['gan'] = tf.keep(gan);
          if (out.weightedLpips) stats['weightedLpips'] = tf.keep(out.weightedLpips);
          if (out.weightedGan) stats['weightedGan'] = tf.keep(out.weightedGan);
          return out.loss;
        },
        this.options.clipNorm ?? 0,
        lr,
        this.step,
      );
      const read = (k: string): number | null => (stats[k] ? stats[k].dataSync()[0]! : null);
      const mse = read('mse')!;
      this.step += 1;
      return {
        step: this.step,
        stage: this.options.stage,
        loss,
        bpp: read('bpp')!,
        mse,
        psnr: 10 * Math.log10((255 * 255) / mse),
        lpips: read('lpips'),
        gLoss: read('gan'),
        weightedMse: read('weightedMse')!,
        weightedLpips: read('weightedLpips'),
        weightedRate: read('weightedRate'),
        weightedGan: read('weightedGan'),
        dLoss: d ? d.dLoss : null,
        dReal: d ? d.dReal : null,
        dFake: d ? d.dFake : null,
        dLabelMix: d ? d.labelMix : null,
        discriminator: d ? this.discriminatorKind : null,
        learningRate: lr,
        gradNorm: norm,
        discriminatorGradNorm: d ? d.norm : null,
        ms: performance.now() - t0,
      };
    } finally {
      tf.dispose(Object.values(stats));
    }
  }

  /** Stage 3: the frozen codec's features outside the tape, then one step of the ORP head on its MSE. */
  private orpStep(x: tf.Tensor4D, t0: number): EgicStepReport {
    const { features, bpp } = tf.tidy(() => {
      const latent = this.codec.trainingLatent(x);
      return { features: this.codec.synthesisFeatures(latent.yHat), bpp: latent.bpp };
    });
    const lr = this.learningRateAt(this.step);
    try {
      const { loss, norm } = optimizerUpdate(
        this.params,
        this.optimizer,
        () => tf.mean(tf.squaredDifference(tf.mul(this.codec.orpPrediction(features), 255), tf.mul(x, 255))) as tf.Scalar,
        this.options.clipNorm ?? 0,
        lr,
        this.step,
      );
      this.step += 1;
      return {
        step: this.step,
        stage: 3,
        loss,
        bpp: bpp.dataSync()[0]!,
        mse: loss,
        psnr: 10 * Math.log10((255 * 255) / loss),
        lpips: null,
        gLoss: null,
        weightedMse: loss,
        weightedLpips: null,
        weightedRate: null,
        weightedGan: null,
        dLoss: null,
        dReal: null,
        dFake: null,
        dLabelMix: null,
        discriminator: null,
        learningRate: lr,
        gradNorm: norm,
        discriminatorGradNorm: null,
        ms: performance.now() - t0,
      };
    } finally {
      tf.dispose([features, bpp]);
    }
  }
}
