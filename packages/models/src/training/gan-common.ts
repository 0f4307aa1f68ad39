import { InvalidArgumentError, NcompError, ShapeError, type Module } from '@ncomp/core';
import { nonSaturatingDiscriminatorLoss, type Lpips } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageCodec } from '../codec/image-codec.js';
import { Adam } from './adam.js';
import type { BatchSource, ConditionalDiscriminator, GanTrainerState } from './gan-trainer.js';
import { SeededRandom } from './rng.js';

// Helpers shared by the GAN trainers (GanTrainer, MricTrainer, EgicTrainer). Only
// GanTrainerBase and its option and part types are part of the package's API.

/** The options every GAN trainer shares (each trainer's own options extend them). */
export interface GanTrainerBaseOptions {
  /** The training stage (1 and 2 for every trainer; EgicTrainer also has 3). */
  readonly stage: 1 | 2 | 3;
  /** Total steps of this stage (for the learning-rate schedule). */
  readonly steps: number;
  /** Images per generator step (stage-2 steps draw twice as many, half for the discriminator). */
  readonly batchSize: number;
  /** Adam step size of the codec before decay (each trainer documents its default). */
  readonly learningRate?: number;
  /** Adam step size of the discriminator before decay; default `learningRate`. */
  readonly discriminatorLearningRate?: number;
  /** From this step on both learning rates are multiplied by `decayFactor` (each trainer documents its default). */
  readonly decayStart?: number;
  /** Learning-rate factor after `decayStart`; default 0.1. */
  readonly decayFactor?: number;
  /** Clip the codec's gradients to this global norm; 0 turns it off (each trainer documents its default). */
  readonly clipNorm?: number;
  /** Clip the discriminator's gradients to this global norm; default 0 (off). */
  readonly discriminatorClipNorm?: number;
  /** Seed of the trainer's noise stream (quantization noise and any other draws). */
  readonly seed?: number;
}

/** What a {@link GanTrainerBase} is built from. */
export interface GanTrainerBaseParts<C extends ImageCodec, O extends GanTrainerBaseOptions> {
  /** The codec (its trainable variables are updated in place). */
  readonly codec: C;
  /** The discriminator, required in stage 2. */
  readonly discriminator?: ConditionalDiscriminator | undefined;
  /** LPIPS for the perceptual term, or null to train without it. */
  readonly lpips: Lpips | null;
  /** Training batches (sizes multiples of the codec's `padMultiple`). */
  readonly source: BatchSource;
  /** The run's options. */
  readonly options: O;
}

/** How a trainer configures {@link GanTrainerBase}. */
export interface GanTrainerSetup {
  /** The stages the trainer runs. */
  readonly stages: readonly number[];
  /** XOR-ed into the seed for the trainer's noise stream (so trainers draw differently). */
  readonly noiseSalt: number;
  /** How to build the stage-2 discriminator, for the error message (e.g. `hificDiscriminator(config)`). */
  readonly discriminatorHint: string;
  /** The codec parameters this stage trains by state-dict name; default every trainable variable. */
  readonly parameters?: Map<string, tf.Variable>;
}

/**
 * The part every GAN trainer ({@link GanTrainer}, {@link MricTrainer}, {@link EgicTrainer})
 * shares: the parts, option checks, two Adam optimizers, the step counter, the seeded noise
 * stream, the learning-rate schedule, the resumable {@link GanTrainerState} and `dispose`.
 * Subclasses add the step itself and their default schedule. Every such trainer is a
 * {@link GanCheckpointTrainer}: {@link writeGanCheckpoint} / {@link restoreGanTrainer} take it.
 */
export abstract class GanTrainerBase<C extends ImageCodec, O extends GanTrainerBaseOptions> {
  /** The codec. */
  readonly codec: C;
  /** The discriminator (undefined in a run without one). */
  readonly discriminator: ConditionalDiscriminator | undefined;
  /** LPIPS, or null. */
  readonly lpips: Lpips | null;
  /** The batch source. */
  readonly source: BatchSource;
  /** The options of the run. */
  readonly options: O;
  /** The codec's optimizer. */
  readonly optimizer = new Adam();
  /** The discriminator's optimizer. */
  readonly discriminatorOptimizer = new Adam();
  /** Steps done in this stage. */
  step = 0;
  /** The seeded stream of quantization noise (and the trainer's other draws), saved in {@link GanTrainerBase.state}. */
  protected readonly noise: SeededRandom;
  /** The codec parameters this stage trains. */
  protected readonly params: Map<string, tf.Variable>;
  /** The discriminator's trainable parameters. */
  protected readonly dParams: Map<string, tf.Variable>;

  /**
   * @param parts - Codec, discriminator, LPIPS, batch source and options.
   * @param setup - The trainer's stages, noise salt and parameter selection.
   * @throws InvalidArgumentError for an unknown stage, a stage-2 run without a
   *   discriminator, or bad options.
   */
  protected constructor(parts: GanTrainerBaseParts<C, O>, setup: GanTrainerSetup) {
    const { codec, discriminator, lpips, source, options } = parts;
    if (!setup.stages.includes(options.stage)) throw new InvalidArgumentError(`stage must be ${setup.stages.join(' or ')}, found ${String(options.stage)}`);
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new InvalidArgumentError(`steps must be a positive integer, found ${options.steps}`);
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new InvalidArgumentError(`batch size must be a positive integer, found ${options.batchSize}`);
    if (options.stage === 2 && !discriminator) throw new InvalidArgumentError(`stage 2 needs a discriminator (e.g. ${setup.discriminatorHint})`);
    for (const k of ['learningRate', 'discriminatorLearningRate', 'decayFactor', 'clipNorm', 'discriminatorClipNorm', 'decayStart'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new InvalidArgumentError(`${k} must be a finite number >= 0, found ${v}`);
    }
    this.codec = codec;
    this.discriminator = discriminator;
    this.lpips = lpips;
    this.source = source;
    this.options = options;
    this.noise = new SeededRandom((options.seed ?? 0) ^ setup.noiseSalt);
    this.params = setup.parameters ?? trainableOf(codec);
    this.dParams = discriminator ? trainableOf(discriminator) : new Map();
  }

  /** The codec parameters this stage trains, by state-dict name. */
  get parameters(): ReadonlyMap<string, tf.Variable> {
    return this.params;
  }

  /** The discriminator's trainable parameters by state-dict name (empty without one). */
  get discriminatorParameters(): ReadonlyMap<string, tf.Variable> {
    return this.dParams;
  }

  /** The codec's learning rate when `options.learningRate` is not given. */
  protected defaultLearningRate(): number {
    return 1e-4;
  }

  /** The step from which the learning rates decay when `options.decayStart` is not given. */
  protected abstract defaultDecayStart(): number;

  /** The codec's learning rate at a step. */
  learningRateAt(step: number): number {
    return (this.options.learningRate ?? this.defaultLearningRate()) * this.decayAt(step);
  }

  /** The discriminator's learning rate at a step. */
  discriminatorLearningRateAt(step: number): number {
    return (this.options.discriminatorLearningRate ?? this.options.learningRate ?? this.defaultLearningRate()) * this.decayAt(step);
  }

  private decayAt(step: number): number {
    const start = this.options.decayStart ?? this.defaultDecayStart();
    return step >= start ? (this.options.decayFactor ?? 0.1) : 1;
  }

  /** The state to checkpoint besides tensors. */
  get state(): GanTrainerState {
    return {
      stage: this.options.stage,
      step: this.step,
      samplerState: this.source.state,
      noiseState: this.noise.state,
      adamStep: this.optimizer.step,
      discriminatorAdamStep: this.discriminatorOptimizer.step,
    };
  }

  /**
   * Restores {@link GanTrainerBase.state} (optimizer moments and weights are restored
   * separately, see {@link restoreGanTrainer}).
   * @throws InvalidArgumentError when the state is from another stage.
   */
  restore(state: GanTrainerState): void {
    if (state.stage !== this.options.stage) throw new InvalidArgumentError(`the saved state is from stage ${state.stage}, this trainer runs stage ${this.options.stage}`);
    this.step = state.step;
    this.source.state = state.samplerState;
    this.noise.state = state.noiseState;
    this.optimizer.step = state.adamStep;
    this.discriminatorOptimizer.step = state.discriminatorAdamStep;
  }

  /** Frees both optimizers' moments (the codec, discriminator and LPIPS belong to the caller). */
  dispose(): void {
    this.optimizer.dispose();
    this.discriminatorOptimizer.dispose();
  }

  /** Draws the batch of one step (`count` images) and checks its size. */
  protected drawBatch(count: number): tf.Tensor4D {
    const batch = this.source.next(count);
    if (batch.shape[0] !== count) {
      batch.dispose();
      throw new ShapeError(`the batch source gave ${batch.shape[0]} images, expected ${count}`);
    }
    return batch;
  }
}

/** Runs `f` with `Math.random` drawing from `rng` (TF.js seeds its unseeded random ops from Math.random). */
export function withSeededMathRandom<T>(rng: SeededRandom, f: () => T): T {
  const saved = Math.random;
  Math.random = () => rng.next();
  try {
    return f();
  } finally {
    Math.random = saved;
  }
}

/** Gradients by state-dict name, then clipped in place to a global norm; returns the norm before clipping. */
export function nameAndClip(names: readonly string[], vars: readonly tf.Variable[], grads: tf.NamedTensorMap, clip: number): { named: Record<string, tf.Tensor>; norm: number } {
  const named: Record<string, tf.Tensor> = {};
  vars.forEach((v, i) => {
    const g = grads[v.name];
    if (g) named[names[i]!] = g;
  });
  const values = Object.values(named);
  const normT = tf.tidy(() => (values.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(values.map((g) => tf.sum(tf.square(g)))))));
  const norm = normT.dataSync()[0]!;
  normT.dispose();
  if (clip > 0 && norm > clip && Number.isFinite(norm)) {
    for (const k of Object.keys(named)) {
      const g = named[k]!;
      named[k] = tf.mul(g, clip / norm);
      g.dispose();
    }
  }
  return { named, norm };
}

/** A module's trainable variables by state-dict name. */
export function trainableOf(module: Module): Map<string, tf.Variable> {
  return new Map([...module.namedVariables()].filter(([, v]) => v.trainable));
}

/** What one discriminator step measured. */
export interface DiscriminatorStepResult {
  /** Non-saturating discriminator loss. */
  readonly dLoss: number;
  /** Mean sigmoid on the real images. */
  readonly dReal: number;
  /** Mean sigmoid on the reconstructions. */
  readonly dFake: number;
  /** Global gradient norm before clipping. */
  readonly norm: number;
}

/** Inputs of {@link discriminatorUpdate}. */
export interface DiscriminatorUpdate {
  readonly discriminator: ConditionalDiscriminator;
  readonly parameters: ReadonlyMap<string, tf.Variable>;
  readonly optimizer: Adam;
  /** Real images. */
  readonly x: tf.Tensor4D;
  /** Their reconstructions (no gradient needed). */
  readonly xHat: tf.Tensor4D;
  /** The quantized latent conditioning both. */
  readonly yHat: tf.Tensor4D;
  readonly clipNorm: number;
  readonly learningRate: number;
  /** Steps done (for the divergence message). */
  readonly step: number;
}

/**
 * One discriminator step of HiFiC's recipe: real images and reconstructions in one batch,
 * both conditioned on the quantized latent, with the spectral-norm power iteration
 * (`training = true`); the non-saturating loss; clipping; Adam.
 * @throws NcompError when the gradient is not finite (nothing is updated then).
 */
export function discriminatorUpdate(u: DiscriminatorUpdate): DiscriminatorStepResult {
  const stats: tf.Tensor[] = [];
  try {
    const { loss, norm } = optimizerUpdate(
      u.parameters,
      u.optimizer,
      () => {
        const logits = u.discriminator.call(tf.concat([u.x, u.xHat], 0), tf.concat([u.yHat, u.yHat], 0), true);
        const [real, fake] = tf.split(logits, 2, 0) as [tf.Tensor, tf.Tensor];
        stats.push(tf.keep(tf.mean(tf.sigmoid(real))), tf.keep(tf.mean(tf.sigmoid(fake))));
        return nonSaturatingDiscriminatorLoss(real, fake);
      },
      u.clipNorm,
      u.learningRate,
      u.step,
      'discriminator gradient norm',
    );
    return { dLoss: loss, dReal: stats[0]!.dataSync()[0]!, dFake: stats[1]!.dataSync()[0]!, norm };
  } finally {
    tf.dispose(stats);
  }
}

/**
 * One optimizer step on `loss()` (run under `tf.variableGrads`): gradients of the
 * parameters by name, clipped to a global norm (0: no clipping), Adam at `learningRate`.
 * @param what - Names the norm in the divergence message.
 * @returns The loss and the gradient norm before clipping.
 * @throws NcompError when the gradient is not finite (nothing is updated then).
 */
export function optimizerUpdate(
  parameters: ReadonlyMap<string, tf.Variable>,
  optimizer: Adam,
  loss: () => tf.Scalar,
  clipNorm: number,
  learningRate: number,
  step: number,
  what = 'gradient norm',
): { loss: number; norm: number } {
  const names = [...parameters.keys()];
  const vars = names.map((n) => parameters.get(n)!);
  const { value, grads } = tf.variableGrads(loss, vars);
  const { named, norm } = nameAndClip(names, vars, grads, clipNorm);
  const lossValue = value.dataSync()[0]!;
  if (Number.isFinite(norm)) optimizer.apply(parameters, named, learningRate);
  tf.dispose([value, ...Object.values(named)]);
  if (!Number.isFinite(norm)) {
    throw new NcompError(`training diverged at step ${step + 1}: ${what} ${norm}, loss ${lossValue}; lower the learning rate or resume from the last checkpoint`);
  }
  return { loss: lossValue, norm };
}
