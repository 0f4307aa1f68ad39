import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import type { Lpips } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageCodec } from '../codec/image-codec.js';
import { Adam } from './adam.js';
import { discriminatorUpdate, optimizerUpdate, trainableOf, type DiscriminatorStepResult, type DiscriminatorUpdate } from './gan-common.js';
import type { BatchSource, ConditionalDiscriminator, GanTrainerState, TrainingForward } from './gan-trainer.js';
import { isLabeledBatchSource } from './labeled-batch.js';
import { learningRateMultiplierOf, type LearningRateMultipliers } from './lr-multipliers.js';
import { runReadingStep, runReadingStepAsync, seededStep, type ReadingStep } from './reading-step.js';
import { SeededRandom } from './rng.js';

/** The images (and, for OASIS-C, the label maps) of one training step. */
export interface DrawnBatch {
  /** Images [N, H, W, 3] in [0, 1]. */
  readonly x: tf.Tensor4D;
  /** Per-pixel labels [N, H, W], or none. */
  readonly labels: tf.Tensor3D | undefined;
}

/** The options every GAN trainer shares (each trainer's own options extend them). */
export interface GanTrainerBaseOptions {
  /**
   * The training stage: 1 (no discriminator), 2 (with discriminator steps, from a stage-1
   * codec), 3 (EgicTrainer's ORP stage). Each trainer accepts its own stages.
   */
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
  /**
   * Learning-rate factors of the codec's parameters by name prefix, first match wins
   * ({@link LearningRateMultipliers}); the discriminator's are not affected. Every prefix
   * must match a parameter this stage trains.
   */
  readonly learningRateMultipliers?: LearningRateMultipliers;
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
  /** Which half of a stage-2 step's images the discriminator trains on (the references differ). */
  readonly discriminatorHalf: 'first' | 'second';
  /** The codec parameters this stage trains by state-dict name; default every trainable variable. */
  readonly parameters?: Map<string, tf.Variable>;
}

/** The fields every GAN trainer's step report has (batch means; each trainer adds its own). */
export interface GanStepReportBase {
  /** Steps done in this stage after this one. */
  readonly step: number;
  /** The stage. */
  readonly stage: 1 | 2 | 3;
  /** The trained loss. */
  readonly loss: number;
  /** Rate R: bits per pixel of the noisy latents. */
  readonly bpp: number;
  /** MSE on the 0-255 scale of the trained output. */
  readonly mse: number;
  /** PSNR of `mse`, dB. */
  readonly psnr: number;
  /** Mean LPIPS distance (unweighted), or null when not measured. */
  readonly lpips: number | null;
  /** The generator's GAN loss (unweighted; null without a discriminator step). */
  readonly gLoss: number | null;
  /** The discriminator's loss (null without a discriminator step). */
  readonly dLoss: number | null;
  /** The discriminator on real images (mean sigmoid, or 1 - p(fake) for OASIS-C); null without one. */
  readonly dReal: number | null;
  /** The same on reconstructions; null without a discriminator step. */
  readonly dFake: number | null;
  /** Learning rate of the trained parameters. */
  readonly learningRate: number;
  /** Global norm of the trained parameters' gradient before clipping. */
  readonly gradNorm: number;
  /** Global norm of the discriminator's gradient before clipping (null without a discriminator step). */
  readonly discriminatorGradNorm: number | null;
  /** Wall time of the step in ms. */
  readonly ms: number;
}

/** A discriminator step's result, with the OASIS-C LabelMix term where there is one. */
export interface DiscriminatorOutcome extends DiscriminatorStepResult {
  /** The unweighted LabelMix loss (OASIS-C), or null. */
  readonly labelMix: number | null;
}

/** One step's images (and semantic labels, for OASIS-C) and per-image conditioning. */
export interface StepInputs {
  /** Images [N, H, W, 3] in [0, 1]. */
  readonly x: tf.Tensor4D;
  /** int32 labels [N, H, W], or undefined. */
  readonly labels: tf.Tensor3D | undefined;
  /** Per-image conditioning values (MRIC's β), or undefined. */
  readonly conditioning: readonly number[] | undefined;
}

/** What a trainer's generator objective gives: the loss and scalars to report by name. */
export interface GeneratorObjective {
  /** The loss to minimise. */
  readonly loss: tf.Scalar;
  /**
   * Scalars to report, by name; `lpips` and `gan` (the unweighted means) feed the report's
   * `lpips` and `gLoss`.
   */
  readonly stats: Readonly<Record<string, tf.Tensor>>;
}

/** The inputs of a generator objective (all tensors are inside the gradient tape). */
export interface ObjectiveInputs {
  /** The step's images. */
  readonly inputs: StepInputs;
  /** The codec's training pass on them. */
  readonly forward: TrainingForward;
  /** MSE on the 0-255 scale (batch mean). */
  readonly mse: tf.Scalar;
  /** The discriminator's logits on the reconstructions (stage 2), or undefined. */
  readonly logits: tf.Tensor | undefined;
}

/** A generator step's numbers for the trainer's report. */
export interface GeneratorOutcome {
  /** The report's shared fields. */
  readonly base: GanStepReportBase;
  /** Every scalar the objective reported, read back. */
  readonly stats: Readonly<Record<string, number>>;
  /** The discriminator step of this step, if any. */
  readonly discriminator: DiscriminatorOutcome | undefined;
}

/**
 * The skeleton every GAN trainer ({@link GanTrainer}, {@link MricTrainer},
 * {@link EgicTrainer}) is: the parts, option checks, two Adam optimizers, the step
 * counter, the seeded noise stream, the learning-rate schedule, the resumable
 * {@link GanTrainerState}, and the step itself:
 *
 *     draw batch (2 x batchSize in stage 2) -> per-image conditioning (e.g. MRIC's β)
 *       -> [stage 2] discriminator step on one half: x̂ = codec(x) outside the tape, then
 *          one update of D on real x against x̂, both conditioned on ŷ
 *       -> generator step on the other half: objective(codec(x), MSE, D's logits on x̂),
 *          clipped gradient, Adam
 *
 * under a seeded `Math.random` so quantization noise resumes exactly. The step is written
 * once, as a {@link ReadingStep} that yields the scalars it reads (gradient norms, losses,
 * the label range): {@link GanTrainerBase.trainStep} reads them synchronously (cpu, wasm,
 * webgl, tensorflow), {@link GanTrainerBase.trainStepAsync} with `await` (every backend,
 * webgpu included), with the same numbers. A trainer supplies the small parts: its training
 * pass, its objective, its report, and optionally its conditioning draws, batch drawing
 * (labels), discriminator update (OASIS-C) or a step of its own (EGIC's ORP stage). Every
 * such trainer is a {@link GanCheckpointTrainer}: {@link writeGanCheckpoint} /
 * {@link restoreGanTrainer} take it.
 */
export abstract class GanTrainerBase<C extends ImageCodec, O extends GanTrainerBaseOptions, R extends GanStepReportBase = GanStepReportBase> {
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
  /** The step-size factor of each codec parameter ({@link GanTrainerBaseOptions.learningRateMultipliers}). */
  private readonly multiplierOf: (name: string) => number;
  /** The discriminator's trainable parameters. */
  protected readonly dParams: Map<string, tf.Variable>;
  readonly #discriminatorHalf: 'first' | 'second';

  /**
   * @param parts - Codec, discriminator, LPIPS, batch source and options.
   * @param setup - The trainer's stages, noise salt, batch split and parameter selection.
   * @throws InvalidArgumentError for an unknown stage, a stage-2 run without a
   *   discriminator, or bad options.
   */
  protected constructor(parts: GanTrainerBaseParts<C, O>, setup: GanTrainerSetup) {
    const { codec, discriminator, lpips, source, options } = parts;
    if (!setup.stages.includes(options.stage)) throw new InvalidArgumentError(`stage must be ${setup.stages.join(' or ')}, found ${String(options.stage)}`);
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new InvalidArgumentError(`steps must be a positive integer, found ${options.steps}`);
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new InvalidArgumentError(`batch size must be a positive integer, found ${options.batchSize}`);
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
    this.multiplierOf = learningRateMultiplierOf(options.learningRateMultipliers, this.params.keys());
    this.dParams = discriminator ? trainableOf(discriminator) : new Map();
    this.#discriminatorHalf = setup.discriminatorHalf;
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

  /** The codec's gradient clipping norm when `options.clipNorm` is not given; default 0 (off). */
  protected defaultClipNorm(): number {
    return 0;
  }

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
    if (state.stage !== this.options.stage)
      throw new InvalidArgumentError(`the saved state is from stage ${state.stage}, this trainer runs stage ${this.options.stage}`);
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

  /**
   * One step (see the class documentation), reading losses and norms synchronously: on the
   * cpu, wasm, webgl and tensorflow backends, not on webgpu, whose tensors cannot be read
   * synchronously ({@link GanTrainerBase.trainStepAsync} runs everywhere).
   * @throws NcompError when a gradient is not finite (training diverged); nothing is
   *   updated by the diverged network's step.
   * @throws ShapeError when the batch source gives another number of images;
   *   InvalidArgumentError when it gives labels outside its classes.
   */
  trainStep(): R {
    return runReadingStep(this.stepBody());
  }

  /**
   * {@link GanTrainerBase.trainStep} with asynchronous reads (`await tensor.data()`): the
   * same step on every backend, webgpu included. It runs the same code as `trainStep`, so
   * on one backend both give the same numbers, and runs resumed either way continue
   * exactly. Do not run two steps of one trainer at once.
   * @throws As {@link GanTrainerBase.trainStep}.
   */
  trainStepAsync(): Promise<R> {
    return runReadingStepAsync(this.stepBody());
  }

  /**
   * The step as a {@link ReadingStep} (both `trainStep` and `trainStepAsync` run it): it
   * yields the tensors it reads. The codec's and discriminator's parts run under the
   * seeded `Math.random` ({@link GanTrainerBase.noise}), which is restored at every read.
   */
  protected *stepBody(): ReadingStep<R> {
    const t0 = performance.now();
    const b = this.options.batchSize;
    const withDiscriminator = this.options.stage === 2;
    const drawn = this.drawStep(withDiscriminator ? 2 * b : b);
    const owned: tf.Tensor[] = [drawn.x, ...(drawn.labels ? [drawn.labels] : [])];
    try {
      if (drawn.labels && isLabeledBatchSource(this.source)) yield* checkLabelRange(drawn.labels, this.source.numClasses);
      if (!withDiscriminator) {
        if (this.step === 0) this.beforeFirstStep(drawn.x);
        return yield* seededStep(this.noise, this.generatorOnlyStep(drawn, t0));
      }
      const xs = tf.split(drawn.x, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
      const ls = drawn.labels ? (tf.split(drawn.labels, 2, 0) as [tf.Tensor3D, tf.Tensor3D]) : undefined;
      owned.push(...xs, ...(ls ?? []));
      return yield* seededStep(this.noise, this.adversarialStep(xs, ls, t0));
    } finally {
      tf.dispose(owned);
    }
  }

  /** A step without discriminator (stages 1 and, for EGIC, 3 run their own). */
  private *generatorOnlyStep(drawn: DrawnBatch, t0: number): ReadingStep<R> {
    const inputs = { ...drawn, conditioning: this.drawConditioning(this.options.batchSize) };
    return yield* this.generatorStep(inputs, undefined, t0);
  }

  /** A stage-2 step: the discriminator on one half of the images, then the codec on the other. */
  private *adversarialStep(xs: [tf.Tensor4D, tf.Tensor4D], ls: [tf.Tensor3D, tf.Tensor3D] | undefined, t0: number): ReadingStep<R> {
    const b = this.options.batchSize;
    const c = this.drawConditioning(2 * b);
    const half = (i: 0 | 1): StepInputs => ({ x: xs[i], labels: ls?.[i], conditioning: c?.slice(i * b, (i + 1) * b) });
    const [d, g] = this.#discriminatorHalf === 'first' ? [half(0), half(1)] : [half(1), half(0)];
    const outcome = yield* this.discriminatorStep(d);
    return yield* this.generatorStep(g, outcome, t0);
  }

  /** Draws `count` images (and labels where the run needs them) and checks their shapes. */
  protected drawStep(count: number): DrawnBatch {
    return { x: this.drawBatch(count), labels: undefined };
  }

  /** Runs before the first step of a stage without discriminator (e.g. a data-dependent initialisation). */
  protected beforeFirstStep(_x: tf.Tensor4D): void {}

  /** Per-image conditioning values drawn from the noise stream (MRIC's β); default none. */
  protected drawConditioning(_count: number): readonly number[] | undefined {
    return undefined;
  }

  /**
   * The codec's training pass: reconstruction, the latent the synthesis saw, the noisy rate.
   * @param forGenerator - The generator step's pass (inside the gradient tape), not the discriminator step's.
   */
  protected abstract trainingPass(inputs: StepInputs, forGenerator: boolean): TrainingForward;

  /** The generator's objective (called inside the gradient tape). */
  protected abstract objective(o: ObjectiveInputs): GeneratorObjective;

  /** The trainer's report from the shared fields and its objective's scalars. */
  protected abstract report(outcome: GeneratorOutcome): R;

  /**
   * One discriminator update on real images against the codec's reconstructions: HiFiC's
   * non-saturating step by default (a trainer with OASIS-C overrides it). A
   * {@link ReadingStep}: it yields what it reads.
   */
  protected *updateDiscriminator(update: Omit<DiscriminatorUpdate, 'discriminator'>, _inputs: StepInputs): ReadingStep<DiscriminatorOutcome> {
    return { ...(yield* discriminatorUpdate({ ...update, discriminator: this.discriminator! })), labelMix: null };
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

  private *discriminatorStep(inputs: StepInputs): ReadingStep<DiscriminatorOutcome> {
    const { xHat, yHat } = tf.tidy(() => {
      const f = this.trainingPass(inputs, false);
      return { xHat: f.xHat, yHat: f.yHat };
    });
    try {
      const update = {
        parameters: this.dParams,
        optimizer: this.discriminatorOptimizer,
        x: inputs.x,
        xHat,
        yHat,
        clipNorm: this.options.discriminatorClipNorm ?? 0,
        learningRate: this.discriminatorLearningRateAt(this.step),
        step: this.step,
      };
      return yield* this.updateDiscriminator(update, inputs);
    } finally {
      tf.dispose([xHat, yHat]);
    }
  }

  private *generatorStep(inputs: StepInputs, d: DiscriminatorOutcome | undefined, t0: number): ReadingStep<R> {
    const disc = d ? this.discriminator : undefined;
    const kept: Record<string, tf.Tensor> = {};
    const lr = this.learningRateAt(this.step);
    try {
      const { loss, norm, read } = yield* optimizerUpdate(
        this.params,
        this.optimizer,
        () => {
          const forward = this.trainingPass(inputs, true);
          const mse = tf.mean(tf.squaredDifference(tf.mul(forward.xHat, 255), tf.mul(inputs.x, 255))) as tf.Scalar;
          const logits = disc ? disc.call(forward.xHat, forward.yHat, false) : undefined;
          const out = this.objective({ inputs, forward, mse, logits });
          kept['bpp'] = tf.keep(forward.bpp);
          kept['mse'] = tf.keep(mse);
          for (const [k, t] of Object.entries(out.stats)) kept[k] = tf.keep(t);
          return out.loss;
        },
        {
          clipNorm: this.options.clipNorm ?? this.defaultClipNorm(),
          learningRate: lr,
          multiplier: this.multiplierOf,
          step: this.step,
          reads: () => Object.values(kept),
        },
      );
      const stats = Object.fromEntries(Object.keys(kept).map((k, i) => [k, read[i]!]));
      this.step += 1;
      const mse = stats['mse']!;
      const base: GanStepReportBase = {
        step: this.step,
        stage: this.options.stage,
        loss,
        bpp: stats['bpp']!,
        mse,
        psnr: 10 * Math.log10((255 * 255) / mse),
        lpips: stats['lpips'] ?? null,
        gLoss: stats['gan'] ?? null,
        dLoss: d ? d.dLoss : null,
        dReal: d ? d.dReal : null,
        dFake: d ? d.dFake : null,
        learningRate: lr,
        gradNorm: norm,
        discriminatorGradNorm: d ? d.norm : null,
        ms: performance.now() - t0,
      };
      return this.report({ base, stats, discriminator: d });
    } finally {
      tf.dispose(Object.values(kept));
    }
  }
}

/**
 * Checks that every label lies in `[0, numClasses)` (one read of the batch's minimum and
 * maximum), so that the OASIS-C losses need not read them again.
 * @throws InvalidArgumentError for a label outside.
 */
function* checkLabelRange(labels: tf.Tensor3D, numClasses: number): ReadingStep<void> {
  const range = tf.tidy(() => [tf.min(labels), tf.max(labels)]);
  try {
    const [lo, hi] = (yield range) as [number, number];
    if (lo < 0 || hi >= numClasses) {
      throw new InvalidArgumentError(`the batch source gave labels in [${lo}, ${hi}], expected classes 0 to ${numClasses - 1} (${numClasses} classes)`);
    }
  } finally {
    tf.dispose(range);
  }
}
