import { InvalidArgumentError, NcompError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageCodec } from '../codec/image-codec.js';
import { Adam } from './adam.js';
import type { RandomCropSampler } from './crop-sampler.js';
import { learningRateMultiplierOf, type LearningRateMultipliers } from './lr-multipliers.js';
import { rdGradients, rdGradientsAsync, type RdGradients } from './rd-gradients.js';
import { SeededRandom } from './rng.js';

/** Options of {@link RdTrainer}. */
export interface RdTrainOptions {
  /** Total steps of the run (for the schedule). */
  readonly steps: number;
  /** Crops per batch. */
  readonly batchSize: number;
  /** Adam step size before decay; default 1e-4 (TFC, CompressAI). */
  readonly learningRate?: number;
  /** From this step on, the learning rate is multiplied by `decayFactor`; default 0.9 * steps. */
  readonly decayStart?: number;
  /** Learning-rate factor after `decayStart`; default 0.1. */
  readonly decayFactor?: number;
  /**
   * λ of a fixed-rate codec: loss = λ 255² MSE + bpp (CompressAI's convention). Variable-rate
   * codecs use their own per-level λs and sample a level per step.
   */
  readonly lambda?: number;
  /** Clip gradients to this global norm; default 1 (CompressAI); 0 disables. */
  readonly clipNorm?: number;
  /** Seed of the level choice. */
  readonly seed?: number;
  /**
   * Learning-rate multipliers by parameter-name prefix (first match wins), e.g.
   * `{ "latent_codec.": 10 }` to let a hyperprior learn faster than the transforms.
   */
  readonly learningRateMultipliers?: LearningRateMultipliers;
  /**
   * Whether the first step calls the codec's `initializeFromData` on its batch (data-driven
   * initialisation of the untrained model); default true. False when fine-tuning a model
   * whose weights were loaded (e.g. with `initializeFrom`).
   */
  readonly initializeFromData?: boolean;
  /**
   * Uniform quantization noise in the training forward pass (default true: Ballé et al.'s
   * proxy for rounding). False trains through straight-through rounding instead (the
   * forward pass of evaluation), which makes a step a deterministic function of the
   * weights and the batch; tests compare trainers with it.
   */
  readonly noise?: boolean;
}

/** One step's draw: what {@link RdTrainer.beginStep} chose and sampled. */
export interface RdStepDraw {
  /** Rate level (0 for fixed-rate codecs). */
  readonly level: number;
  /** Its λ. */
  readonly lambda: number;
  /** The batch [batchSize, crop, crop, 3] (the caller disposes it). */
  readonly batch: tf.Tensor4D;
  /** Learning rate of the step. */
  readonly learningRate: number;
  /** `performance.now()` at the start of the step. */
  readonly startedAt: number;
}

/** What one training step measured. */
export interface StepReport {
  /** Steps done after this one. */
  readonly step: number;
  /** Rate level trained (0 for fixed-rate codecs). */
  readonly level: number;
  /** Its λ. */
  readonly lambda: number;
  /** Rate-distortion loss. */
  readonly loss: number;
  /** Mean bits per pixel (noisy-latent bound). */
  readonly bpp: number;
  /** Mean squared error on the [0, 1] scale. */
  readonly mse: number;
  /** PSNR of the mean MSE, dB. */
  readonly psnr: number;
  /** Learning rate used. */
  readonly learningRate: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Wall time of the step in ms. */
  readonly ms: number;
}

/** The resumable state of an {@link RdTrainer} besides model and optimizer tensors. */
export interface RdTrainerState {
  /** Steps done. */
  readonly step: number;
  /** Crop sampler generator state. */
  readonly samplerState: number;
  /** Level generator state. */
  readonly levelState: number;
  /** Adam's step count. */
  readonly adamStep: number;
}

/**
 * Rate-distortion training (Ballé et al.'s objective, λ 255² MSE + bpp) of an
 * {@link ImageCodec} on random crops with Adam, gradient clipping and a step decay of
 * the learning rate. Variable-rate codecs train one level per step, chosen uniformly.
 * Every source of randomness except the quantization noise is seeded and part of
 * {@link RdTrainer.state}, so a run resumed from a checkpoint continues the same crop
 * and level sequence.
 *
 * @example
 * A few steps of a tiny hyperprior codec on random images (real data: decode files to
 * {@link RgbImage}s, e.g. with sharp; `ncomp train` does it all):
 * ```ts
 * import assert from 'node:assert/strict';
 * import { setBackend } from '@ncomp/core';
 * import { RandomCropSampler, RdTrainer, createModel, type RgbImage } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const images: RgbImage[] = [1, 2].map((seed) => ({
 *   pixels: Uint8Array.from({ length: 96 * 96 * 3 }, (_, i) => (i * seed * 7919) % 256),
 *   width: 96,
 *   height: 96,
 * }));
 * const model = createModel('bmshj2018', { N: 8, M: 12 });
 * const sampler = new RandomCropSampler(images, 64, 1); // 64x64 crops, seed 1
 * const trainer = new RdTrainer(model, sampler, { steps: 3, batchSize: 2, lambda: 0.01, learningRate: 1e-3 });
 * for (let i = 0; i < 3; i++) {
 *   const r = trainer.trainStep(); // loss = λ 255² MSE + bpp
 *   assert.ok(Number.isFinite(r.loss) && r.bpp > 0);
 *   console.log(`step ${r.step}: ${r.bpp.toFixed(3)} bpp, ${r.psnr.toFixed(2)} dB`);
 * }
 * assert.equal(trainer.step, 3);
 * trainer.optimizer.dispose();
 * model.dispose();
 * ```
 */
export class RdTrainer {
  /** The optimizer (its moments are part of checkpoints). */
  readonly optimizer = new Adam();
  /** Steps done. */
  step = 0;
  private readonly levels: SeededRandom;
  private readonly params: Map<string, tf.Variable>;
  private readonly lambdas: readonly number[];

  /**
   * @param model - The codec to train (its trainable variables are updated in place).
   * @param sampler - Training crops; its size must be a multiple of the codec's padMultiple.
   * @param options - See {@link RdTrainOptions}.
   */
  constructor(
    readonly model: ImageCodec,
    readonly sampler: RandomCropSampler,
    readonly options: RdTrainOptions,
  ) {
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new InvalidArgumentError(`steps must be a positive integer, found ${options.steps}`);
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new InvalidArgumentError(`batch size must be a positive integer, found ${options.batchSize}`);
    if (sampler.cropSize % model.padMultiple !== 0) {
      throw new InvalidArgumentError(`crop size ${sampler.cropSize} must be a multiple of ${model.padMultiple} for this model`);
    }
    if (model.lambdas.length > 0) {
      if (options.lambda !== undefined) throw new InvalidArgumentError('a variable-rate model trains with its own lambdas; do not pass lambda');
      this.lambdas = model.lambdas;
    } else {
      if (!(options.lambda !== undefined && options.lambda > 0))
        throw new InvalidArgumentError(`a fixed-rate model needs lambda > 0, found ${String(options.lambda)}`);
      this.lambdas = [options.lambda];
    }
    this.levels = new SeededRandom((options.seed ?? 0) ^ 0x5bd1e995);
    this.params = new Map([...model.namedVariables()].filter(([, v]) => v.trainable));
    this.multiplierOf = learningRateMultiplierOf(options.learningRateMultipliers, this.params.keys());
  }

  /** The learning-rate multiplier of a parameter (see {@link RdTrainOptions.learningRateMultipliers}). */
  readonly multiplierOf: (name: string) => number;

  /** Learning rate at a step. */
  learningRateAt(step: number): number {
    const base = this.options.learningRate ?? 1e-4;
    const start = this.options.decayStart ?? Math.floor(0.9 * this.options.steps);
    return step >= start ? base * (this.options.decayFactor ?? 0.1) : base;
  }

  /**
   * One step on the next batch, reading losses synchronously: every backend but WebGPU
   * (whose tensors cannot be read synchronously); {@link RdTrainer.trainStepAsync} runs
   * everywhere.
   */
  trainStep(): StepReport {
    const draw = this.beginStep();
    let gradients: RdGradients;
    try {
      gradients = rdGradients(this.model, this.params, draw.batch, {
        quality: this.qualityOf(draw.level),
        lambda: draw.lambda,
        noise: this.options.noise ?? true,
      });
    } finally {
      draw.batch.dispose();
    }
    return this.finishStep(draw, gradients);
  }

  /** {@link RdTrainer.trainStep} with asynchronous reads: the same step, on every backend (WebGPU included). */
  async trainStepAsync(): Promise<StepReport> {
    const draw = this.beginStep();
    let gradients: RdGradients;
    try {
      gradients = await rdGradientsAsync(this.model, this.params, draw.batch, {
        quality: this.qualityOf(draw.level),
        lambda: draw.lambda,
        noise: this.options.noise ?? true,
      });
    } finally {
      draw.batch.dispose();
    }
    const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(gradients.grads).map((g) => tf.sum(tf.square(g))))));
    let gradNorm: number;
    try {
      gradNorm = (await norm.data())[0]!;
    } finally {
      norm.dispose();
    }
    return this.finishStep(draw, gradients, gradNorm);
  }

  /**
   * The first half of {@link RdTrainer.trainStep}: draws the step's rate level and batch
   * (advancing both seeded generators) and, on the first step, runs the codec's
   * data-dependent initialisation on the batch. A caller that computes the gradients
   * elsewhere (such as {@link DataParallelRdTrainer}) passes them to
   * {@link RdTrainer.finishStep}.
   * @returns The draw; the caller disposes its batch.
   */
  beginStep(): RdStepDraw {
    const startedAt = performance.now();
    const level = this.lambdas.length > 1 ? this.levels.int(this.lambdas.length) : 0;
    const lambda = this.lambdas[level]!;
    const batch = this.sampler.next(this.options.batchSize);
    if (this.step === 0 && this.options.initializeFromData !== false) {
      try {
        this.model.initializeFromData(batch);
      } catch (err) {
        batch.dispose();
        throw err;
      }
    }
    return { level, lambda, batch, learningRate: this.learningRateAt(this.step), startedAt };
  }

  /** The `quality` of the forward pass at a level: the level for variable-rate codecs, else undefined. */
  qualityOf(level: number): number | undefined {
    return this.model.lambdas.length > 0 ? level : undefined;
  }

  /**
   * The second half of {@link RdTrainer.trainStep}: clips the gradients of the draw's
   * batch to the global norm, applies Adam and counts the step.
   * @param draw - What {@link RdTrainer.beginStep} returned.
   * @param gradients - The gradients of the whole batch's loss; disposed here.
   * @param knownNorm - Their global norm when the caller has read it already
   *   ({@link RdTrainer.trainStepAsync}); otherwise it is read synchronously here.
   * @throws NcompError when the gradient norm is not finite (the weights are left as they were).
   */
  finishStep(draw: RdStepDraw, gradients: RdGradients, knownNorm?: number): StepReport {
    const named: Record<string, tf.Tensor> = { ...gradients.grads };
    let gradNorm = 0;
    try {
      if (knownNorm === undefined) {
        const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(named).map((g) => tf.sum(tf.square(g))))));
        gradNorm = norm.dataSync()[0]!;
        norm.dispose();
      } else {
        gradNorm = knownNorm;
      }
      const clip = this.options.clipNorm ?? 1;
      if (clip > 0 && gradNorm > clip && Number.isFinite(gradNorm)) {
        for (const k of Object.keys(named)) {
          const g = named[k]!;
          named[k] = tf.mul(g, clip / gradNorm);
          g.dispose();
        }
      }
      if (Number.isFinite(gradNorm)) this.optimizer.apply(this.params, named, draw.learningRate, this.multiplierOf);
    } finally {
      tf.dispose(Object.values(named));
    }
    const { loss, bpp, mse } = gradients;
    if (!Number.isFinite(gradNorm)) {
      throw new NcompError(
        `training diverged at step ${this.step + 1}: gradient norm ${gradNorm}, loss ${loss}; lower the learning rate or resume from the last checkpoint`,
      );
    }
    this.step += 1;
    const { level, lambda, learningRate } = draw;
    return { step: this.step, level, lambda, loss, bpp, mse, psnr: 10 * Math.log10(1 / mse), learningRate, gradNorm, ms: performance.now() - draw.startedAt };
  }

  /** The state to checkpoint besides tensors. */
  get state(): RdTrainerState {
    return { step: this.step, samplerState: this.sampler.state, levelState: this.levels.state, adamStep: this.optimizer.step };
  }

  /** Restores {@link RdTrainer.state} (the optimizer's moments are restored separately). */
  restore(state: RdTrainerState): void {
    this.step = state.step;
    this.sampler.state = state.samplerState;
    this.levels.state = state.levelState;
    this.optimizer.step = state.adamStep;
  }

  /** Trainable parameters by state-dict name. */
  get parameters(): ReadonlyMap<string, tf.Variable> {
    return this.params;
  }
}
