import { InvalidArgumentError, ShapeError, type Module } from '@ncomp/core';
import { nonSaturatingGeneratorLoss } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageCodec } from '../codec/image-codec.js';
import { hificGeneratorLoss, hificRateSchedule, resolveHificLossWeights, type HificLossWeights } from './hific-loss.js';
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

/**
 * Options of {@link GanTrainer}: the shared {@link GanTrainerBaseOptions} (stages 1 and 2)
 * with HiFiC's defaults — learning rate 1e-4, x0.1 from half the steps (500k of 1M), no
 * gradient clipping (TFC; MRIC uses 1) — and its loss weights. In stage 2 each step draws
 * 2 x `batchSize` images: the first half for the generator step, the second for the
 * discriminator step (TFC's sub-batches, `num_steps_disc = 1`).
 */
export interface GanTrainOptions extends GanTrainerBaseOptions {
  /** Loss weights and rate target; missing fields take {@link HIFIC_LOSS_WEIGHTS}. */
  readonly loss?: Readonly<Partial<HificLossWeights>>;
}

/** What one {@link GanTrainer} step measured (batch means). */
export interface GanStepReport extends GanStepReportBase {
  /** Bits per pixel of the quantized latents (what the λ switch reads). */
  readonly qbpp: number;
  /** The λ used (λ_a when qbpp was above the target, else λ_b, warm-up included). */
  readonly lambda: number;
  /** The target rate in force. */
  readonly target: number;
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

/** Everything a {@link GanTrainer} works on (the discriminator is required in stage 2: {@link hificDiscriminator}). */
export type GanTrainerParts = GanTrainerBaseParts<ImageCodec, GanTrainOptions>;

/** The tensors of {@link trainingForward}. */
export interface TrainingForward {
  /** Reconstruction [N, H, W, 3] (unclipped). */
  readonly xHat: tf.Tensor4D;
  /** The latent the synthesis saw [N, h, w, C] (HiFiC: round(y - mean) + mean, straight-through). */
  readonly yHat: tf.Tensor4D;
  /** Mean bits per pixel of the noisy latents (differentiable). */
  readonly bpp: tf.Scalar;
  /** Mean bits per pixel of the quantized latents (when asked for); no gradient flows through it. */
  readonly qbpp?: tf.Scalar;
}

/**
 * The training pass of a fixed-rate {@link ImageCodec} that a GAN needs (`forward` does
 * not return the latent): y = g_a(x); the latent codec in training mode gives ŷ and the
 * noisy rate; x̂ = g_s(ŷ); optionally the quantized rate from a second, evaluation-mode
 * pass of the latent codec (HiFiC's `total_qbpp`), as one node of the gradient tape with a
 * zero gradient (no backward pass runs through that second pass).
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
    return { xHat, yHat, bpp, qbpp: withoutGradient((latent) => tf.div(tf.mean(codec.latentCodec.forward(latent, false).bits), h * w) as tf.Scalar, y) };
  });
}

/**
 * `f(x)` as a single node of the gradient tape with a zero gradient: the ops inside are
 * not recorded, so no backward pass runs through them (a stop-gradient around a whole
 * computation, where `stopGradient` after it would still backpropagate zeros through it).
 */
function withoutGradient(f: (x: tf.Tensor4D) => tf.Scalar, x: tf.Tensor4D): tf.Scalar {
  const op = tf.customGrad(((input: tf.Tensor4D) => ({
    value: f(input),
    gradFunc: (_dy: tf.Tensor) => tf.zerosLike(input),
  })) as unknown as CustomGradient) as (input: tf.Tensor4D) => tf.Scalar;
  return op(x);
}

type CustomGradient = Parameters<typeof tf.customGrad>[0];

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
 * The step is {@link GanTrainerBase}'s; HiFiC supplies its training pass (with the
 * quantized rate), objective and report. Checkpoints: {@link writeGanCheckpoint} /
 * {@link readGanCheckpoint} / {@link restoreGanTrainer}.
 *
 * @example
 * One stage-2 step of the small HiFiC on random images (a real stage 2 starts from a
 * stage-1 codec and runs with LPIPS; `ncomp train --model hific --stage 2 --init <run>` does it all):
 * ```ts
 * import assert from 'node:assert/strict';
 * import { setBackend } from '@ncomp/core';
 * import { GanTrainer, HIFIC_SMALL_CONFIG, RandomCropSampler, hific, hificDiscriminator, type RgbImage } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const images: RgbImage[] = [1, 2].map((seed) => ({
 *   pixels: Uint8Array.from({ length: 80 * 80 * 3 }, (_, i) => (i * seed * 7919) % 256),
 *   width: 80,
 *   height: 80,
 * }));
 * const codec = hific(HIFIC_SMALL_CONFIG); // the paper's sizes: HIFIC_REFERENCE_CONFIG
 * const discriminator = hificDiscriminator(HIFIC_SMALL_CONFIG);
 * const trainer = new GanTrainer({
 *   codec,
 *   discriminator,
 *   lpips: null, // the perceptual term needs LPIPS weights: Lpips.fromFile(path, 'alex')
 *   source: new RandomCropSampler(images, 64, 1), // 64x64 crops, seed 1
 *   options: { stage: 2, steps: 1000, batchSize: 1, seed: 1 },
 * });
 * const r = trainer.trainStep(); // a discriminator step on one crop, then a codec step on another
 * assert.equal(trainer.step, 1);
 * assert.ok(Number.isFinite(r.loss) && r.dLoss !== null && r.gLoss !== null);
 * console.log(`D ${r.dLoss.toFixed(3)}, G ${r.gLoss.toFixed(3)}, ${r.bpp.toFixed(3)} bpp (target ${r.target})`);
 * trainer.dispose(); // the two optimizers
 * discriminator.dispose();
 * codec.dispose();
 * ```
 */
export class GanTrainer extends GanTrainerBase<ImageCodec, GanTrainOptions, GanStepReport> {
  /** The resolved loss weights. */
  readonly weights: HificLossWeights;

  /**
   * @param parts - Codec, discriminator, LPIPS, batch source and options.
   * @throws InvalidArgumentError for a variable-rate codec, a stage-2 run without a
   *   discriminator, or bad options.
   */
  constructor(parts: GanTrainerParts) {
    super(parts, { stages: [1, 2], noiseSalt: 0x2545f491, discriminatorHint: 'hificDiscriminator(config)', discriminatorHalf: 'second' });
    if (parts.codec.gain) throw new InvalidArgumentError('GanTrainer trains fixed-rate codecs; this one has gain units (lambdas)');
    this.weights = resolveHificLossWeights(parts.options.loss);
  }

  /** HiFiC: both learning rates drop at half the steps (500k of 1M). */
  protected override defaultDecayStart(): number {
    return Math.floor(this.options.steps / 2);
  }

  /** Stage 1's first step initialises the codec from the data (as RdTrainer). */
  protected override beforeFirstStep(x: tf.Tensor4D): void {
    this.codec.initializeFromData(x);
  }

  /** {@link trainingForward}, with the quantized rate in the generator step (the λ switch reads it). */
  protected override trainingPass(inputs: StepInputs, forGenerator: boolean): TrainingForward {
    return trainingForward(this.codec, inputs.x, forGenerator);
  }

  /**
   * {@link hificGeneratorLoss}: C (R / λ + CD · MSE) + CP · GAN + LPIPS, with the λ switch on
   * the quantized rate in the graph (no read inside the gradient tape).
   */
  protected override objective({ inputs, forward, mse, logits }: ObjectiveInputs): GeneratorObjective {
    const lpips = this.lpips ? this.lpips.distance(forward.xHat, inputs.x, { reduction: 'mean' }) : undefined;
    const gan = logits ? nonSaturatingGeneratorLoss(logits) : undefined;
    const terms = { bpp: forward.bpp, qbpp: forward.qbpp!, mse, ...(lpips ? { lpips } : {}), ...(gan ? { gan } : {}) };
    const out = hificGeneratorLoss(terms, this.step, this.weights);
    return { loss: out.loss, stats: { qbpp: forward.qbpp!, lambda: out.lambda, ...(lpips ? { lpips } : {}), ...(gan ? { gan } : {}) } };
  }

  /** The shared fields with the quantized rate, the λ used (read back as float32, reported as the schedule's) and the target. */
  protected override report({ base, stats }: GeneratorOutcome): GanStepReport {
    const { lambdaA, lambdaB, target } = hificRateSchedule(base.step - 1, this.weights);
    const lambda = stats['lambda'] === Math.fround(lambdaA) ? lambdaA : lambdaB;
    return { ...base, qbpp: stats['qbpp']!, lambda, target };
  }
}
