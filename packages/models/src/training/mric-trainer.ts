import { nonSaturatingGeneratorLoss } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { MricCodec } from '../zoo/mric.js';
import type { TrainingForward } from './gan-trainer.js';
import {
  GanTrainerBase,
  type GanStepReportBase,
  type GanTrainerBaseOptions,
  type GanTrainerBaseParts,
  type GeneratorObjective,
  type GeneratorOutcome,
  type ObjectiveInputs,
  type StepInputs,
} from './gan-trainer-base.js';
import { mricGeneratorLoss, resolveMricLossWeights, type MricLossWeights } from './mric-loss.js';

/**
 * Options of {@link MricTrainer}: the shared {@link GanTrainerBaseOptions} (stages 1, the
 * reference's `warm_up`, and 2) with MRIC's defaults — learning rate 1e-4; stage 1 x0.1 for
 * its last 15 %, stage 2 constant; the codec's gradient clipped to global norm 1 (MRIC's
 * generator `global_clipnorm`) — and its loss weights, λ and β range. In stage 2 each step
 * draws 2 x `batchSize` images: the first half for the discriminator step, the second for
 * the generator step (the reference's split batch).
 */
export interface MricTrainOptions extends GanTrainerBaseOptions {
  /** Loss weights, λ and the β range; missing fields take {@link MRIC_LOSS_WEIGHTS}. */
  readonly loss?: Readonly<Partial<MricLossWeights>>;
}

/** What one {@link MricTrainer} step measured (batch means). */
export interface MricStepReport extends GanStepReportBase {
  /** Mean β of the generator step's images. */
  readonly beta: number;
  /** mseWeight · MSE. */
  readonly weightedMse: number;
  /** mean(β · lpipsWeight · LPIPS), or null. */
  readonly weightedLpips: number | null;
  /** λ · rateWeight · R. */
  readonly weightedRate: number;
  /** mean(β · g), or null in stage 1. */
  readonly weightedGan: number | null;
}

/** Everything an {@link MricTrainer} works on (the discriminator is required in stage 2: {@link mricDiscriminator}). */
export type MricTrainerParts = GanTrainerBaseParts<MricCodec, MricTrainOptions>;

/**
 * GAN training of MRIC (Agustsson et al. 2023; Nikolai10/MRIC `amtm2023.py` `train_step`,
 * summarised in `shared/reference/ARCHITECTURES.md`), the loop of {@link GanTrainer} with
 * MRIC's objective:
 *
 * - every image of a step gets its own realism weight β_i ~ U(0, betaMax) (5.12), drawn
 *   from the trainer's seeded stream; the synthesis is conditioned on it;
 * - **stage 1** (`stage: 1`): the codec minimises 0.01 · MSE + mean_i(β_i · 4.26 · LPIPS_i)
 *   + λ · 100 · R ({@link mricGeneratorLoss});
 * - **stage 2** (`stage: 2`), from the stage-1 codec with a fresh discriminator: each step
 *   draws 2 x `batchSize` images; the discriminator (HiFiC's PatchGAN, conditioned on the
 *   stop-gradient ŷ, not on β) takes one step on the first half, real images against the
 *   current codec's reconstructions at their β; then the codec takes one step on the second
 *   half with mean_i(β_i · g_i) added, g_i the per-image non-saturating generator loss.
 *
 * The step is {@link GanTrainerBase}'s; MRIC supplies its β draws, its conditional training
 * pass, objective and report. Separate Adam optimizers; the codec's gradient clipped to
 * global norm 1 by default (MRIC); stage 1's learning rate drops by 10x for the last 15 %
 * of its steps. As in
 * GanTrainer, the quantization noise and the β draws come from one seeded stream saved in
 * {@link MricTrainer.state}, so a resumed run continues exactly. Checkpoints are GAN
 * checkpoints: {@link writeGanCheckpoint} / {@link readGanCheckpoint} /
 * {@link restoreGanTrainer} take this trainer too.
 *
 * @example
 * One stage-1 step of the small MRIC on random images (without LPIPS here; real runs give
 * `Lpips.fromFile(path, 'alex')`):
 * ```ts
 * import assert from 'node:assert/strict';
 * import { setBackend } from '@ncomp/core';
 * import { MRIC_SMALL_CONFIG, MricTrainer, RandomCropSampler, mric, type RgbImage } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const images: RgbImage[] = [1, 2].map((seed) => ({
 *   pixels: Uint8Array.from({ length: 80 * 80 * 3 }, (_, i) => (i * seed * 7919) % 256),
 *   width: 80,
 *   height: 80,
 * }));
 * const codec = mric(MRIC_SMALL_CONFIG); // the reference sizes: MRIC_REFERENCE_CONFIG
 * const trainer = new MricTrainer({
 *   codec,
 *   lpips: null,
 *   source: new RandomCropSampler(images, 64, 1),
 *   options: { stage: 1, steps: 1000, batchSize: 1, seed: 1 }, // stage 2 adds mricDiscriminator(config)
 * });
 * const r = trainer.trainStep();
 * // Each image gets its own realism weight β ~ U(0, 5.12), which conditions the synthesis.
 * assert.ok(r.beta >= 0 && r.beta <= 5.12);
 * assert.ok(Number.isFinite(r.loss) && r.gLoss === null); // no discriminator in stage 1
 * assert.deepEqual(trainer.state.step, 1); // with the sampler's and noise's states: resumable
 * trainer.dispose();
 * codec.dispose();
 * ```
 */
export class MricTrainer extends GanTrainerBase<MricCodec, MricTrainOptions, MricStepReport> {
  /** The resolved loss weights. */
  readonly weights: MricLossWeights;

  /**
   * @param parts - Codec, discriminator, LPIPS, batch source and options.
   * @throws InvalidArgumentError for a stage-2 run without a discriminator or bad options.
   */
  constructor(parts: MricTrainerParts) {
    super(parts, { stages: [1, 2], noiseSalt: 0x6d726963, discriminatorHint: 'mricDiscriminator(config)', discriminatorHalf: 'first' });
    this.weights = resolveMricLossWeights(parts.options.loss);
  }

  /** MRIC: stage 1 drops to 1e-5 for its last 15 %, stage 2 keeps its rate. */
  protected override defaultDecayStart(): number {
    return this.options.stage === 1 ? Math.floor(0.85 * this.options.steps) : Infinity;
  }

  /** MRIC clips the codec's gradient to global norm 1. */
  protected override defaultClipNorm(): number {
    return 1;
  }

  /** β_i ~ U(0, betaMax) per image, from the trainer's seeded stream. */
  protected override drawConditioning(count: number): readonly number[] {
    return Array.from({ length: count }, () => this.noise.next() * this.weights.betaMax);
  }

  /** The codec with its synthesis conditioned on each image's β. */
  protected override trainingPass(inputs: StepInputs, _forGenerator: boolean): TrainingForward {
    return this.codec.trainingForward(inputs.x, inputs.conditioning!);
  }

  /** {@link mricGeneratorLoss}: 0.01 · MSE + mean(β · 4.26 · LPIPS) + λ · 100 · R + mean(β · g). */
  protected override objective({ inputs, forward, mse, logits }: ObjectiveInputs): GeneratorObjective {
    const beta = tf.tensor1d([...inputs.conditioning!]);
    const lpips = this.lpips ? this.lpips.distance(forward.xHat, inputs.x) : undefined;
    const gan = logits ? nonSaturatingGeneratorLoss(logits, { reduction: 'none' }) : undefined;
    const out = mricGeneratorLoss({ bpp: forward.bpp, mse, beta, ...(lpips ? { lpips } : {}), ...(gan ? { gan } : {}) }, this.weights);
    const stats: Record<string, tf.Tensor> = { beta: tf.mean(beta), weightedMse: out.weightedMse, weightedRate: out.weightedRate };
    if (lpips) stats['lpips'] = tf.mean(lpips);
    if (gan) stats['gan'] = tf.mean(gan);
    if (out.weightedLpips) stats['weightedLpips'] = out.weightedLpips;
    if (out.weightedGan) stats['weightedGan'] = out.weightedGan;
    return { loss: out.loss, stats };
  }

  protected override report({ base, stats }: GeneratorOutcome): MricStepReport {
    return {
      ...base,
      beta: stats['beta']!,
      weightedMse: stats['weightedMse']!,
      weightedLpips: stats['weightedLpips'] ?? null,
      weightedRate: stats['weightedRate']!,
      weightedGan: stats['weightedGan'] ?? null,
    };
  }
}
