import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { OasisDiscriminator, nonSaturatingGeneratorLoss, oasisGeneratorLoss } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { EgicCodec } from '../zoo/egic.js';
import { egicGeneratorLoss, resolveEgicLossWeights, type EgicLossWeights } from './egic-loss.js';
import { optimizerUpdate, type DiscriminatorUpdate } from './gan-common.js';
import type { TrainingForward } from './gan-trainer.js';
import {
  GanTrainerBase,
  type DiscriminatorOutcome,
  type DrawnBatch,
  type GanStepReportBase,
  type GanTrainerBaseOptions,
  type GanTrainerBaseParts,
  type GeneratorObjective,
  type GeneratorOutcome,
  type ObjectiveInputs,
  type StepInputs,
} from './gan-trainer-base.js';
import { isLabeledBatchSource, type LabeledBatchSource } from './labeled-batch.js';
import { oasisDiscriminatorUpdate } from './oasis-update.js';
import { seededStep, type ReadingStep } from './reading-step.js';

/**
 * Options of {@link EgicTrainer}: the shared {@link GanTrainerBaseOptions} (stages 1: end to
 * end MSE + LPIPS + rate; 2: + the GAN term, from a stage-1 codec; 3: only the ORP head, on
 * the MSE of its prediction, from a stage-2 codec) with EGIC's released recipe as defaults —
 * learning rate 1e-4 in stages 1 and 3 (x0.1 from 90 % and 96 % of the steps: epoch 180 of
 * 200 and 480 of 500), 1e-5 in stage 2 (constant); no clipping — and its own fields. In
 * stage 2 each step draws 2 x `batchSize` images: the first half for the codec step, the
 * second for the discriminator step (the reference's split batch).
 */
export interface EgicTrainOptions extends GanTrainerBaseOptions {
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
  /**
   * Stage 2 with OASIS-C: before the first discriminator step, its data-dependent
   * weight-norm initialisation on that step's real images and latents
   * ({@link OasisDiscriminator.initializeFromData}, as EGIC's TFA `data_init`). Default
   * true; a resumed run (step > 0) never initialises again.
   */
  readonly initializeDiscriminator?: boolean;
  /** Loss weights and λ; missing fields take {@link EGIC_LOSS_WEIGHTS}. */
  readonly loss?: Partial<EgicLossWeights>;
}

/** What one {@link EgicTrainer} step measured (batch means; `loss`, `mse` and `psnr` are the ORP head's in stage 3). */
export interface EgicStepReport extends GanStepReportBase {
  /** The MSE term of `loss`: mseWeight · MSE (stages 1, 2), MSE itself (stage 3). */
  readonly weightedMse: number;
  /** lpipsWeight · LPIPS, or null. */
  readonly weightedLpips: number | null;
  /** λ · R, or null in stage 3 (the rate is not trained there). */
  readonly weightedRate: number | null;
  /** ganWeight · gLoss, or null. */
  readonly weightedGan: number | null;
  /** The unweighted LabelMix loss (OASIS-C only), or null. */
  readonly dLabelMix: number | null;
  /** Which discriminator trained: `oasis`, `patchgan` (any other conditional discriminator), or null. */
  readonly discriminator: 'oasis' | 'patchgan' | null;
}

/**
 * Everything an {@link EgicTrainer} works on. The stage-2 discriminator
 * ({@link egicDiscriminator}) is an {@link OasisDiscriminator} (OASIS-C; the source must be
 * a {@link LabeledBatchSource} with as many classes) or any other conditional discriminator
 * (the label-free PatchGAN fallback, non-saturating losses).
 */
export type EgicTrainerParts = GanTrainerBaseParts<EgicCodec, EgicTrainOptions>;

/** The codec parameters a stage trains, by state-dict name. */
function stageParameters(codec: EgicCodec, options: EgicTrainOptions): Map<string, tf.Variable> {
  if (options.stage === 3 && options.generator !== undefined)
    throw new InvalidArgumentError('generator does not apply to stage 3 (only the ORP head trains there)');
  if (options.generator !== undefined && options.generator !== 'codec' && options.generator !== 'synthesis') {
    throw new InvalidArgumentError(`generator must be "codec" or "synthesis", found ${JSON.stringify(options.generator)}`);
  }
  const scope = options.stage === 3 ? 'orp' : (options.generator ?? (options.stage === 1 ? 'codec' : 'synthesis'));
  const keep = (name: string): boolean =>
    scope === 'orp' ? name.startsWith('orp.') : scope === 'synthesis' ? name.startsWith('synthesis.') : !name.startsWith('orp.');
  return new Map([...codec.namedVariables()].filter(([name, v]) => v.trainable && keep(name)));
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
 *
 * @example
 * One stage-2 step of the small EGIC against the label-free PatchGAN (OASIS-C needs
 * semantic label maps: `egicDiscriminator(config, { labels: true })` and a
 * {@link LabeledCropSampler}); a real stage 2 starts from a stage-1 codec, with LPIPS.
 * ```ts
 * import assert from 'node:assert/strict';
 * import { setBackend } from '@ncomp/core';
 * import { EGIC_SMALL_CONFIG, EgicTrainer, RandomCropSampler, egic, egicDiscriminator, type RgbImage } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const images: RgbImage[] = [1, 2].map((seed) => ({
 *   pixels: Uint8Array.from({ length: 80 * 80 * 3 }, (_, i) => (i * seed * 7919) % 256),
 *   width: 80,
 *   height: 80,
 * }));
 * const codec = egic(EGIC_SMALL_CONFIG); // the reference sizes: EGIC_REFERENCE_CONFIG
 * const discriminator = egicDiscriminator(EGIC_SMALL_CONFIG); // no labels: HiFiC's PatchGAN
 * const trainer = new EgicTrainer({
 *   codec,
 *   discriminator,
 *   lpips: null,
 *   source: new RandomCropSampler(images, 64, 1),
 *   options: { stage: 2, steps: 1000, batchSize: 1, seed: 1 },
 * });
 * // Stage 2 trains g_s alone by default (the reference's "fix E, P").
 * assert.ok([...trainer.parameters.keys()].every((name) => name.startsWith('synthesis.')));
 * const r = trainer.trainStep();
 * assert.equal(r.discriminator, 'patchgan');
 * assert.ok(Number.isFinite(r.loss) && r.dLoss !== null && r.weightedGan !== null);
 * trainer.dispose();
 * discriminator.dispose();
 * codec.dispose();
 * ```
 */
export class EgicTrainer extends GanTrainerBase<EgicCodec, EgicTrainOptions, EgicStepReport> {
  /** The resolved loss weights. */
  readonly weights: EgicLossWeights;

  /**
   * @param parts - Codec, discriminator, LPIPS, batch source and options.
   * @throws InvalidArgumentError for a stage-2 run without a discriminator, an OASIS-C
   *   discriminator without a labelled source (or with another number of classes), or bad
   *   options.
   */
  constructor(parts: EgicTrainerParts) {
    super(parts, {
      stages: [1, 2, 3],
      noiseSalt: 0x65676963,
      discriminatorHint: 'egicDiscriminator(config, { labels })',
      discriminatorHalf: 'second',
      parameters: stageParameters(parts.codec, parts.options),
    });
    this.weights = resolveEgicLossWeights(parts.options.loss);
    const d = parts.discriminator;
    if (parts.options.stage === 2 && d instanceof OasisDiscriminator) {
      if (!isLabeledBatchSource(parts.source)) {
        throw new InvalidArgumentError(
          'the OASIS-C discriminator classifies pixels into semantic classes: give a LabeledBatchSource (images with label maps), or train against the PatchGAN (egicDiscriminator(config) without labels)',
        );
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
   * One step of the run's stage: stages 1 and 2 are {@link GanTrainerBase}'s step, stage 3
   * the ORP head's (see the class documentation); {@link GanTrainerBase.trainStep} and
   * {@link GanTrainerBase.trainStepAsync} run it.
   */
  protected override *stepBody(): ReadingStep<EgicStepReport> {
    if (this.options.stage !== 3) return yield* super.stepBody();
    const t0 = performance.now();
    if (this.step === 0 && (this.options.initializeOrp ?? true)) this.codec.initializeOrpFromSynthesis();
    const batch = this.drawBatch(this.options.batchSize);
    try {
      return yield* seededStep(this.noise, this.orpStep(batch, t0));
    } finally {
      batch.dispose();
    }
  }

  /** With OASIS-C, images and their label maps (checked against each other). */
  protected override drawStep(count: number): DrawnBatch {
    if (this.discriminatorKind !== 'oasis') return super.drawStep(count);
    const { images, labels } = (this.source as LabeledBatchSource).nextLabeled(count);
    if (images.shape[0] !== count || !tf.util.arraysEqual(labels.shape, images.shape.slice(0, 3))) {
      tf.dispose([images, labels]);
      throw new ShapeError(
        `the batch source gave images [${images.shape.join(', ')}] and labels [${labels.shape.join(', ')}], expected ${count} images with one label per pixel`,
      );
    }
    return { x: images, labels };
  }

  protected override trainingPass(inputs: StepInputs, _forGenerator: boolean): TrainingForward {
    return this.codec.trainingForward(inputs.x);
  }

  /** OASIS-C's step (cross-entropies + LabelMix) with labels, else the PatchGAN's. */
  protected override *updateDiscriminator(update: Omit<DiscriminatorUpdate, 'discriminator'>, inputs: StepInputs): ReadingStep<DiscriminatorOutcome> {
    if (inputs.labels && this.discriminator instanceof OasisDiscriminator) {
      if (this.step === 0 && (this.options.initializeDiscriminator ?? true)) this.discriminator.initializeFromData(update.x, update.yHat);
      const seed = Math.floor(this.noise.next() * 2 ** 31);
      return yield* oasisDiscriminatorUpdate({
        ...update,
        discriminator: this.discriminator,
        labels: inputs.labels,
        labelMixWeight: this.weights.labelMixWeight,
        labelMixSeed: seed,
      });
    }
    return yield* super.updateDiscriminator(update, inputs);
  }

  /** {@link egicGeneratorLoss}: mseWeight · MSE + LPIPS + λ · R + 0.15 · g (OASIS-C's cross-entropy or non-saturating). */
  protected override objective({ inputs, forward, mse, logits }: ObjectiveInputs): GeneratorObjective {
    const lpips = this.lpips ? (this.lpips.distance(forward.xHat, inputs.x, { reduction: 'mean' }) as tf.Scalar) : undefined;
    let gan: tf.Scalar | undefined;
    if (logits)
      gan =
        inputs.labels && this.discriminator instanceof OasisDiscriminator
          ? oasisGeneratorLoss(logits, inputs.labels, { labelsChecked: true }) // the step checked their range
          : (nonSaturatingGeneratorLoss(logits) as tf.Scalar);
    const out = egicGeneratorLoss({ bpp: forward.bpp, mse, ...(lpips ? { lpips } : {}), ...(gan ? { gan } : {}) }, this.weights);
    const stats: Record<string, tf.Tensor> = { weightedMse: out.weightedMse, weightedRate: out.weightedRate };
    if (lpips) stats['lpips'] = lpips;
    if (gan) stats['gan'] = gan;
    if (out.weightedLpips) stats['weightedLpips'] = out.weightedLpips;
    if (out.weightedGan) stats['weightedGan'] = out.weightedGan;
    return { loss: out.loss, stats };
  }

  protected override report({ base, stats, discriminator: d }: GeneratorOutcome): EgicStepReport {
    return {
      ...base,
      weightedMse: stats['weightedMse']!,
      weightedLpips: stats['weightedLpips'] ?? null,
      weightedRate: stats['weightedRate'] ?? null,
      weightedGan: stats['weightedGan'] ?? null,
      dLabelMix: d ? d.labelMix : null,
      discriminator: d ? this.discriminatorKind : null,
    };
  }

  /** Stage 3: the frozen codec's features outside the tape, then one step of the ORP head on its MSE. */
  private *orpStep(x: tf.Tensor4D, t0: number): ReadingStep<EgicStepReport> {
    const { features, bpp } = tf.tidy(() => {
      const latent = this.codec.trainingLatent(x);
      return { features: this.codec.synthesisFeatures(latent.yHat), bpp: latent.bpp };
    });
    const lr = this.learningRateAt(this.step);
    try {
      const { loss, norm, read } = yield* optimizerUpdate(
        this.params,
        this.optimizer,
        () => tf.mean(tf.squaredDifference(tf.mul(this.codec.orpPrediction(features), 255), tf.mul(x, 255))) as tf.Scalar,
        { clipNorm: this.options.clipNorm ?? 0, learningRate: lr, step: this.step, reads: () => [bpp] },
      );
      this.step += 1;
      return {
        step: this.step,
        stage: 3,
        loss,
        bpp: read[0]!,
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
