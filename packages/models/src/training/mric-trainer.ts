import { nonSaturatingGeneratorLoss, type Lpips } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { MricCodec } from '../zoo/mric.js';
import { GanTrainerBase, discriminatorUpdate, optimizerUpdate, withSeededMathRandom, type DiscriminatorStepResult } from './gan-common.js';
import type { BatchSource, ConditionalDiscriminator } from './gan-trainer.js';
import { mricGeneratorLoss, resolveMricLossWeights, type MricLossWeights } from './mric-loss.js';

/** Options of {@link MricTrainer}. */
export interface MricTrainOptions {
  /**
   * 1: MSE + β-weighted LPIPS + rate, no discriminator (the reference's `warm_up`); 2: the
   * same plus the β-weighted GAN term, with discriminator steps, started from a stage-1 codec.
   */
  readonly stage: 1 | 2;
  /** Total steps of this stage (for the learning-rate schedule). */
  readonly steps: number;
  /**
   * Images per generator step. In stage 2 each step draws twice as many: the first half for
   * the discriminator step, the second for the generator step (the reference's split batch).
   */
  readonly batchSize: number;
  /** Adam step size of the codec before decay; default 1e-4 (MRIC). */
  readonly learningRate?: number;
  /** Adam step size of the discriminator before decay; default `learningRate`. */
  readonly discriminatorLearningRate?: number;
  /**
   * From this step on both learning rates are multiplied by `decayFactor`. Default: stage 1
   * `floor(0.85 · steps)` (MRIC: 1e-5 for the last 15 %), stage 2 never (constant 1e-4).
   */
  readonly decayStart?: number;
  /** Learning-rate factor after `decayStart`; default 0.1. */
  readonly decayFactor?: number;
  /** Clip the codec's gradients to this global norm; default 1 (MRIC's generator `global_clipnorm`); 0 turns it off. */
  readonly clipNorm?: number;
  /** Clip the discriminator's gradients to this global norm; default 0 (off, as MRIC). */
  readonly discriminatorClipNorm?: number;
  /** Seed of the quantization-noise and β stream. */
  readonly seed?: number;
  /** Loss weights, λ and the β range; missing fields take {@link MRIC_LOSS_WEIGHTS}. */
  readonly loss?: Partial<MricLossWeights>;
}

/** What one {@link MricTrainer} step measured (batch means). */
export interface MricStepReport {
  /** Steps done in this stage after this one. */
  readonly step: number;
  /** The stage. */
  readonly stage: 1 | 2;
  /** The codec's loss (see {@link mricGeneratorLoss}). */
  readonly loss: number;
  /** Rate R: bits per pixel of the noisy latents. */
  readonly bpp: number;
  /** MSE on the 0-255 scale. */
  readonly mse: number;
  /** PSNR of `mse`, dB. */
  readonly psnr: number;
  /** Mean LPIPS distance (unweighted), or null without an LPIPS model. */
  readonly lpips: number | null;
  /** Mean non-saturating generator loss (unweighted; null in stage 1). */
  readonly gLoss: number | null;
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
  /** Non-saturating discriminator loss of the discriminator step (null in stage 1). */
  readonly dLoss: number | null;
  /** Mean sigmoid of the discriminator on real images (null in stage 1). */
  readonly dReal: number | null;
  /** Mean sigmoid of the discriminator on reconstructions (null in stage 1). */
  readonly dFake: number | null;
  /** Learning rate of the codec. */
  readonly learningRate: number;
  /** Global norm of the codec's gradient before clipping. */
  readonly gradNorm: number;
  /** Global norm of the discriminator's gradient before clipping (null in stage 1). */
  readonly discriminatorGradNorm: number | null;
  /** Wall time of the step in ms. */
  readonly ms: number;
}

/** Everything an {@link MricTrainer} works on. */
export interface MricTrainerParts {
  /** The codec (its trainable variables are updated in place). */
  readonly codec: MricCodec;
  /** The discriminator; required in stage 2 ({@link mricDiscriminator}). */
  readonly discriminator?: ConditionalDiscriminator;
  /** LPIPS for the perceptual term, or null to train without it. */
  readonly lpips: Lpips | null;
  /** Training batches (sizes multiples of the codec's `padMultiple`). */
  readonly source: BatchSource;
  /** See {@link MricTrainOptions}. */
  readonly options: MricTrainOptions;
}

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
 * Separate Adam optimizers; the codec's gradient clipped to global norm 1 by default
 * (MRIC); stage 1's learning rate drops by 10x for the last 15 % of its steps. As in
 * GanTrainer, the quantization noise and the β draws come from one seeded stream saved in
 * {@link MricTrainer.state}, so a resumed run continues exactly. Checkpoints are GAN
 * checkpoints: {@link writeGanCheckpoint} / {@link readGanCheckpoint} /
 * {@link restoreGanTrainer} take this trainer too.
 */
export class MricTrainer extends GanTrainerBase<MricCodec, MricTrainOptions> {
  /** The resolved loss weights. */
  readonly weights: MricLossWeights;

  /**
   * @param parts - Codec, discriminator, LPIPS, batch source and options.
   * @throws InvalidArgumentError for a stage-2 run without a discriminator or bad options.
   */
  constructor(parts: MricTrainerParts) {
    super(parts, { stages: [1, 2], noiseSalt: 0x6d726963, discriminatorHint: 'mricDiscriminator(config)' });
    this.weights = resolveMricLossWeights(parts.options.loss);
  }

  /** MRIC: stage 1 drops to 1e-5 for its last 15 %, stage 2 keeps its rate. */
  protected override defaultDecayStart(): number {
    return this.options.stage === 1 ? Math.floor(0.85 * this.options.steps) : Infinity;
  }

  /**
   * One step: β per image, in stage 2 a discriminator step, then a codec step (see the
   * class documentation).
   * @throws NcompError when a gradient is not finite (training diverged); nothing is
   *   updated by the diverged network's step.
   */
  trainStep(): MricStepReport {
    const t0 = performance.now();
    const stage2 = this.options.stage === 2;
    const b = this.options.batchSize;
    const batch = this.drawBatch(stage2 ? 2 * b : b);
    const halves = stage2 ? (tf.split(batch, 2, 0) as [tf.Tensor4D, tf.Tensor4D]) : undefined;
    try {
      return withSeededMathRandom(this.noise, () => {
        // β ~ U(0, betaMax) per image; in stage 2 the first half's go to the discriminator step.
        const betas = Array.from({ length: batch.shape[0] }, () => this.noise.next() * this.weights.betaMax);
        const d = halves ? this.discriminatorStep(halves[0], betas.slice(0, b)) : undefined;
        return this.generatorStep(halves ? halves[1] : batch, betas.slice(-b), d, t0);
      });
    } finally {
      tf.dispose([batch, ...(halves ?? [])]);
    }
  }

  private discriminatorStep(x: tf.Tensor4D, betas: readonly number[]): DiscriminatorStepResult {
    const { xHat, yHat } = tf.tidy(() => {
      const f = this.codec.trainingForward(x, betas);
      return { xHat: f.xHat, yHat: f.yHat };
    });
    try {
      return discriminatorUpdate({
        discriminator: this.discriminator!,
        parameters: this.dParams,
        optimizer: this.discriminatorOptimizer,
        x,
        xHat,
        yHat,
        clipNorm: this.options.discriminatorClipNorm ?? 0,
        learningRate: this.discriminatorLearningRateAt(this.step),
        step: this.step,
      });
    } finally {
      tf.dispose([xHat, yHat]);
    }
  }

  private generatorStep(x: tf.Tensor4D, betas: readonly number[], d: DiscriminatorStepResult | undefined, t0: number): MricStepReport {
    const disc = d ? this.discriminator! : undefined;
    const stats: Record<string, tf.Tensor> = {};
    const lr = this.learningRateAt(this.step);
    try {
      const { loss, norm } = optimizerUpdate(
        this.params,
        this.optimizer,
        () => {
          const f = this.codec.trainingForward(x, betas);
          const beta = tf.tensor1d([...betas]);
          const mse = tf.mean(tf.squaredDifference(tf.mul(f.xHat, 255), tf.mul(x, 255))) as tf.Scalar;
          const lpips = this.lpips ? this.lpips.distance(f.xHat, x) : undefined;
          const gan = disc ? nonSaturatingGeneratorLoss(disc.call(f.xHat, f.yHat, false), { reduction: 'none' }) : undefined;
          const out = mricGeneratorLoss({ bpp: f.bpp, mse, beta, ...(lpips ? { lpips } : {}), ...(gan ? { gan } : {}) }, this.weights);
          stats['bpp'] = tf.keep(f.bpp);
          stats['mse'] = tf.keep(mse);
          stats['weightedMse'] = tf.keep(out.weightedMse);
          stats['weightedRate'] = tf.keep(out.weightedRate);
          if (lpips) stats['lpips'] = tf.keep(tf.mean(lpips));
          if (gan) stats['gan'] = tf.keep(tf.mean(gan));
          if (out.weightedLpips) stats['weightedLpips'] = tf.keep(out.weightedLpips);
          if (out.weightedGan) stats['weightedGan'] = tf.keep(out.weightedGan);
          return out.loss;
        },
        this.options.clipNorm ?? 1,
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
        beta: betas.reduce((a, v) => a + v, 0) / betas.length,
        weightedMse: read('weightedMse')!,
        weightedLpips: read('weightedLpips'),
        weightedRate: read('weightedRate')!,
        weightedGan: read('weightedGan'),
        dLoss: d ? d.dLoss : null,
        dReal: d ? d.dReal : null,
        dFake: d ? d.dFake : null,
        learningRate: lr,
        gradNorm: norm,
        discriminatorGradNorm: d ? d.norm : null,
        ms: performance.now() - t0,
      };
    } finally {
      tf.dispose(Object.values(stats));
    }
  }
}
