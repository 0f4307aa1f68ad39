import { InvalidArgumentError, NcompError, ShapeError, type Module } from '@ncomp/core';
import { nonSaturatingGeneratorLoss, type Lpips } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageCodec } from '../codec/image-codec.js';
import { hificGeneratorLoss, resolveHificLossWeights, type HificLossWeights } from './hific-loss.js';
import { GanTrainerBase, discriminatorUpdate, optimizerUpdate, withSeededMathRandom, type DiscriminatorStepResult } from './gan-common.js';

/**
 * Where training batches come from: {@link RandomCropSampler} or anything with the same
 * shape. `state` must restore the exact sequence (it is saved in checkpoints).
 */
export interface BatchSource {
  /** The next batch [batchSize, H, W, 3] in [0, 1] (the caller disposes it). */
  next(batchSize: number): tf.Tensor4D;
  /** Generator state (read to checkpoint, assigned to resume). */
  state: number;
}

/**
 * A discriminator conditioned on the codec's quantized latent, as HiFiC's
 * `PatchGanDiscriminator` (from `@ncomp/losses`): logits per image or patch, for the
 * non-saturating GAN losses.
 */
export interface ConditionalDiscriminator extends Module {
  /**
   * @param image - Images [N, H, W, 3].
   * @param latent - The conditioning latent [N, h, w, C] (its gradient must be stopped inside).
   * @param training - Whether this is the discriminator's own optimizer step (e.g. one
   *   spectral-norm power iteration).
   * @returns Logits [N, ...].
   */
  call(image: tf.Tensor, latent: tf.Tensor | undefined, training: boolean): tf.Tensor;
}

/** Options of {@link GanTrainer}. */
export interface GanTrainOptions {
  /**
   * 1: MSE + LPIPS + rate, no discriminator (TFC's `mselpips`); 2: the same plus the GAN
   * term, with discriminator steps (TFC's `hific`), started from a stage-1 codec.
   */
  readonly stage: 1 | 2;
  /** Total steps of this stage (for the learning-rate schedule). */
  readonly steps: number;
  /**
   * Images per generator step. In stage 2 each step draws twice as many: the first half
   * for the generator step, the second for the discriminator step (TFC's sub-batches,
   * `num_steps_disc = 1`).
   */
  readonly batchSize: number;
  /** Adam step size of the codec before decay; default 1e-4 (HiFiC). */
  readonly learningRate?: number;
  /** Adam step size of the discriminator before decay; default `learningRate`. */
  readonly discriminatorLearningRate?: number;
  /** From this step on both learning rates are multiplied by `decayFactor`; default `floor(steps / 2)` (HiFiC: 500k of 1M). */
  readonly decayStart?: number;
  /** Learning-rate factor after `decayStart`; default 0.1. */
  readonly decayFactor?: number;
  /** Clip the codec's gradients to this global norm; default 0 (off, as TFC's HiFiC; MRIC uses 1). */
  readonly clipNorm?: number;
  /** Clip the discriminator's gradients to this global norm; default 0 (off). */
  readonly discriminatorClipNorm?: number;
  /** Seed of the quantization-noise stream. */
  readonly seed?: number;
  /** Loss weights and rate target; missing fields take {@link HIFIC_LOSS_WEIGHTS}. */
  readonly loss?: Partial<HificLossWeights>;
}

/** What one {@link GanTrainer} step measured (batch means). */
export interface GanStepReport {
  /** Steps done in this stage after this one. */
  readonly step: number;
  /** The stage. */
  readonly stage: 1 | 2;
  /** The codec's loss (see {@link hificGeneratorLoss}). */
  readonly loss: number;
  /** Rate R: bits per pixel of the noisy latents. */
  readonly bpp: number;
  /** Bits per pixel of the quantized latents (what the λ switch reads). */
  readonly qbpp: number;
  /** MSE on the 0-255 scale. */
  readonly mse: number;
  /** PSNR of `mse`, dB. */
  readonly psnr: number;
  /** LPIPS distance, or null without an LPIPS model. */
  readonly lpips: number | null;
  /** Non-saturating generator loss (null in stage 1). */
  readonly gLoss: number | null;
  /** Non-saturating discriminator loss of the discriminator step (null in stage 1). */
  readonly dLoss: number | null;
  /** Mean sigmoid of the discriminator on real images (null in stage 1). */
  readonly dReal: number | null;
  /** Mean sigmoid of the discriminator on reconstructions (null in stage 1). */
  readonly dFake: number | null;
  /** The λ used (λ_a when qbpp was above the target, else λ_b, warm-up included). */
  readonly lambda: number;
  /** The target rate in force. */
  readonly target: number;
  /** Learning rate of the codec. */
  readonly learningRate: number;
  /** Global norm of the codec's gradient before clipping. */
  readonly gradNorm: number;
  /** Global norm of the discriminator's gradient before clipping (null in stage 1). */
  readonly discriminatorGradNorm: number | null;
  /** Wall time of the step in ms. */
  readonly ms: number;
}

/** The resumable state of a {@link GanTrainer} (any {@link GanTrainerBase}) besides model and optimizer tensors. */
export interface GanTrainerState {
  /** The stage (3 only for EgicTrainer's ORP stage). */
  readonly stage: 1 | 2 | 3;
  /** Steps done in this stage. */
  readonly step: number;
  /** Batch source state. */
  readonly samplerState: number;
  /** Quantization-noise generator state. */
  readonly noiseState: number;
  /** The codec optimizer's step count. */
  readonly adamStep: number;
  /** The discriminator optimizer's step count. */
  readonly discriminatorAdamStep: number;
}

/** Everything a {@link GanTrainer} works on. */
export interface GanTrainerParts {
  /** The codec (fixed-rate; its trainable variables are updated in place). */
  readonly codec: ImageCodec;
  /** The discriminator; required in stage 2 (HiFiC: {@link hificDiscriminator}). */
  readonly discriminator?: ConditionalDiscriminator;
  /** LPIPS for the perceptual term, or null to train without it (its weight is then unused). */
  readonly lpips: Lpips | null;
  /** Training batches (sizes multiples of the codec's `padMultiple`). */
  readonly source: BatchSource;
  /** See {@link GanTrainOptions}. */
  readonly options: GanTrainOptions;
}

/** The tensors of {@link trainingForward}. */
export interface TrainingForward {
  /** Reconstruction [N, H, W, 3] (unclipped). */
  readonly xHat: tf.Tensor4D;
  /** The latent the synthesis saw [N, h, w, C] (HiFiC: round(y - mean) + mean, straight-through). */
  readonly yHat: tf.Tensor4D;
  /** Mean bits per pixel of the noisy latents (differentiable). */
  readonly bpp: tf.Scalar;
  /** Mean bits per pixel of the quantized latents (when asked for). */
  readonly qbpp?: tf.Scalar;
}

/**
 * The training pass of a fixed-rate {@link ImageCodec} that a GAN needs (`forward` does
 * not return the latent): y = g_a(x); the latent codec in training mode gives ŷ and the
 * noisy rate; x̂ = g_s(ŷ); optionally the quantized rate from a second, evaluation-mode
 * pass of the latent codec (HiFiC's `total_qbpp`).
 * @param codec - A codec without gain units.
 * @param x - Images [N, H, W, 3] in [0, 1], sizes multiples of `codec.padMultiple`.
 * @param quantizedRate - Also compute `qbpp`.
 */
export function trainingForward(codec: ImageCodec, x: tf.Tensor4D, quantizedRate: boolean): TrainingForward {
  if (codec.gain) throw new InvalidArgumentError('trainingForward: variable-rate codecs (with gain units) are not supported here');
  const [, h, w] = x.shape;
  const m = codec.padMultiple;
  if (x.shape[3] !== 3 || h % m !== 0 || w % m !== 0) {
    throw new ShapeError(`training images must be [N, H, W, 3] with H and W multiples of ${m}, found [${x.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const y = codec.analysis.call(x) as tf.Tensor4D;
    const { yHat, bits } = codec.latentCodec.forward(y, true);
    const xHat = codec.synthesis.call(yHat) as tf.Tensor4D;
    const bpp = tf.div(tf.mean(bits), h * w) as tf.Scalar;
    if (!quantizedRate) return { xHat, yHat, bpp };
    const q = codec.latentCodec.forward(y, false);
    return { xHat, yHat, bpp, qbpp: tf.div(tf.mean(q.bits), h * w) as tf.Scalar };
  });
}

/**
 * GAN training of a learned codec in HiFiC's two stages (Mentzer et al. 2020; TFC
 * `models/hific/model.py`, summarised in `shared/reference/ARCHITECTURES.md`):
 *
 * - **Stage 1** (`stage: 1`, TFC's `mselpips`): the codec minimises
 *   C (R / λ + CD · MSE) + LPIPS with the rate-target switch ({@link hificGeneratorLoss}).
 * - **Stage 2** (`stage: 2`, TFC's `hific`), started from the stage-1 codec with a fresh
 *   discriminator and fresh optimizers: each step draws 2 x `batchSize` images; the
 *   discriminator takes one step on the second half (real images against the current
 *   codec's reconstructions, both conditioned on the stop-gradient quantized latent, with
 *   its spectral-norm power iteration), then the codec takes one step on the first half
 *   with the GAN term CP · g_loss added, against the updated discriminator (which sees
 *   only the reconstructions there, and runs no power iteration: one per discriminator
 *   step, where TFC's compare_gan also runs one in the generator's pass). Non-saturating
 *   losses from logits; separate Adam optimizers; optional gradient clipping per network.
 *
 * Learning rates step down by `decayFactor` at `decayStart`; the λ / target warm-up runs
 * over the first `warmupSteps` of each stage (TFC restores only the autoencoder for stage
 * 2, so its global step restarts). Every source of randomness is seeded and part of
 * {@link GanTrainer.state}: the batches (the source's state) and the quantization noise
 * (each step runs with `Math.random` replaced by a seeded generator, since TF.js seeds its
 * unseeded random ops from it), so a resumed run continues exactly.
 * Checkpoints: {@link writeGanCheckpoint} / {@link readGanCheckpoint} / {@link restoreGanTrainer}.
 */
export class GanTrainer extends GanTrainerBase<ImageCodec, GanTrainOptions> {
  /** The resolved loss weights. */
  readonly weights: HificLossWeights;

  /**
   * @param parts - Codec, discriminator, LPIPS, batch source and options.
   * @throws InvalidArgumentError for a variable-rate codec, a stage-2 run without a
   *   discriminator, or bad options.
   */
  constructor(parts: GanTrainerParts) {
    super(parts, { stages: [1, 2], noiseSalt: 0x2545f491, discriminatorHint: 'hificDiscriminator(config)' });
    if (parts.codec.gain) throw new InvalidArgumentError('GanTrainer trains fixed-rate codecs; this one has gain units (lambdas)');
    this.weights = resolveHificLossWeights(parts.options.loss);
  }

  /** HiFiC: both learning rates drop at half the steps (500k of 1M). */
  protected override defaultDecayStart(): number {
    return Math.floor(this.options.steps / 2);
  }

  /**
   * One step: in stage 2 a discriminator step, then a codec step (see the class
   * documentation).
   * @throws NcompError when a gradient is not finite (training diverged); nothing is
   *   updated by the diverged network's step.
   */
  trainStep(): GanStepReport {
    const t0 = performance.now();
    const stage2 = this.options.stage === 2;
    const b = this.options.batchSize;
    const batch = this.drawBatch(stage2 ? 2 * b : b);
    const halves = stage2 ? (tf.split(batch, 2, 0) as [tf.Tensor4D, tf.Tensor4D]) : undefined;
    const gBatch = halves ? halves[0] : batch;
    try {
      if (this.step === 0 && !stage2) this.codec.initializeFromData(gBatch);
      return withSeededMathRandom(this.noise, () => {
        const d = halves ? this.discriminatorStep(halves[1]) : undefined;
        return this.generatorStep(gBatch, d, t0);
      });
    } finally {
      tf.dispose([batch, ...(halves ?? [])]);
    }
  }

  private discriminatorStep(x: tf.Tensor4D): DiscriminatorStepResult {
    const disc = this.discriminator!;
    const { xHat, yHat } = tf.tidy(() => {
      const f = trainingForward(this.codec, x, false);
      return { xHat: f.xHat, yHat: f.yHat };
    });
    try {
      return discriminatorUpdate({
        discriminator: disc,
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

  private generatorStep(x: tf.Tensor4D, d: DiscriminatorStepResult | undefined, t0: number): GanStepReport {
    const disc = d ? this.discriminator! : undefined;
    const stats: Record<string, tf.Tensor> = {};
    let qbpp = 0;
    let lambda = 0;
    const lr = this.learningRateAt(this.step);
    try {
      const { loss, norm } = optimizerUpdate(
        this.params,
        this.optimizer,
        () => {
          const f = trainingForward(this.codec, x, true);
          qbpp = f.qbpp!.dataSync()[0]!;
          const mse = tf.mean(tf.squaredDifference(tf.mul(f.xHat, 255), tf.mul(x, 255))) as tf.Scalar;
          const lpips = this.lpips ? this.lpips.distance(f.xHat, x, { reduction: 'mean' }) : undefined;
          const gan = disc ? nonSaturatingGeneratorLoss(disc.call(f.xHat, f.yHat, false)) : undefined;
          const out = hificGeneratorLoss({ bpp: f.bpp, qbpp, mse, ...(lpips ? { lpips } : {}), ...(gan ? { gan } : {}) }, this.step, this.weights);
          lambda = out.lambda;
          stats['bpp'] = tf.keep(f.bpp);
          stats['mse'] = tf.keep(mse);
          if (lpips) stats['lpips'] = tf.keep(lpips);
          if (gan) stats['gan'] = tf.keep(gan);
          return out.loss;
        },
        this.options.clipNorm ?? 0,
        lr,
        this.step,
      );
      const read = (k: string): number | null => (stats[k] ? stats[k].dataSync()[0]! : null);
      const mse = read('mse')!;
      const target = (this.step < this.weights.warmupSteps ? this.weights.warmupTargetFactor : 1) * this.weights.target;
      this.step += 1;
      return {
        step: this.step,
        stage: this.options.stage,
        loss,
        bpp: read('bpp')!,
        qbpp,
        mse,
        psnr: 10 * Math.log10((255 * 255) / mse),
        lpips: read('lpips'),
        gLoss: read('gan'),
        dLoss: d ? d.dLoss : null,
        dReal: d ? d.dReal : null,
        dFake: d ? d.dFake : null,
        lambda,
        target,
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
