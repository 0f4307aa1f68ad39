import { InvalidArgumentError, ModelMismatchError } from '@ncomp/core';
import type { ImageCodec } from '../codec/image-codec.js';
import { isEgicConfig } from '../zoo/egic-config.js';
import { EgicCodec, egicDiscriminator } from '../zoo/egic.js';
import { hificDiscriminator, isHificConfig } from '../zoo/hific.js';
import { MricCodec, isMricConfig, mricDiscriminator } from '../zoo/mric.js';
import { resolveEgicLossWeights } from './egic-loss.js';
import { EgicTrainer } from './egic-trainer.js';
import type { ConditionalDiscriminator } from './gan-trainer.js';
import { GanTrainer } from './gan-trainer.js';
import type { GanStepReportBase, GanTrainerBase, GanTrainerBaseOptions, GanTrainerBaseParts } from './gan-trainer-base.js';
import { resolveHificLossWeights } from './hific-loss.js';
import { MricTrainer } from './mric-trainer.js';
import { resolveMricLossWeights } from './mric-loss.js';

/** Options of a GAN run as a command line gives them: the shared options and loss weights by name. */
export interface GanRunOptions extends GanTrainerBaseOptions {
  /** Loss weights to change (each model refuses names it does not know). */
  readonly loss?: Readonly<Record<string, number>>;
}

/** Any GAN trainer, seen through the skeleton they share. */
export type AnyGanTrainer = GanTrainerBase<ImageCodec, GanRunOptions, GanStepReportBase>;

/** Which discriminator a GAN run trains against, and why. */
export interface DiscriminatorChoice {
  /** The discriminator. */
  readonly discriminator: ConditionalDiscriminator;
  /** Its name for logs, e.g. `PatchGAN` or `OASIS-C (134 classes + fake)`. */
  readonly description: string;
  /** The number of semantic classes its training data must label per pixel (OASIS-C), or undefined. */
  readonly numClasses?: number;
}

/**
 * How a registry model trains with a GAN ({@link ModelEntry.gan}): its stages, its
 * discriminator and its trainer, all through the one {@link GanTrainerBase} skeleton.
 */
export interface GanTraining {
  /** Its stages (1, 2; EGIC-ORP also 3, where only the ORP head trains). */
  readonly stages: readonly (1 | 2 | 3)[];
  /** Whether a stage uses LPIPS. */
  usesLpips(stage: 1 | 2 | 3): boolean;
  /** Whether the model has a discriminator that needs per-pixel semantic labels (EGIC's OASIS-C). */
  readonly labelledDiscriminator: boolean;
  /**
   * The stage-2 discriminator for a configuration.
   * @param labels - The training data has per-pixel semantic labels (only where `labelledDiscriminator`).
   */
  discriminator(config: unknown, labels: boolean): DiscriminatorChoice;
  /**
   * Resolves `--loss` early, before any data is read.
   * @throws InvalidArgumentError naming an unknown or bad weight.
   */
  checkLoss(loss: Readonly<Record<string, number>>): void;
  /**
   * The trainer of a run.
   * @throws ModelMismatchError when the codec is not this model's.
   */
  trainer(parts: GanTrainerBaseParts<ImageCodec, GanRunOptions>): AnyGanTrainer;
  /**
   * A model-specific health figure for progress lines, where the model has one (MRIC: how
   * much of β's conditioning is alive, see {@link MricSynthesis.conditioningActivity}).
   */
  progress?(codec: ImageCodec): Promise<TrainingProgressNote>;
}

/** What {@link GanTraining.progress} reports: a short text for the progress line and its numbers for the log. */
export interface TrainingProgressNote {
  /** E.g. `β: 57/64 units live, range 1.97, |P| 0.12`. */
  readonly text: string;
  /** The same as numbers, by name (for the JSON-lines log). */
  readonly values: Readonly<Record<string, number>>;
}

/** A configuration of the expected kind, or a typed error. */
function configOf<T>(model: string, config: unknown, is: (c: unknown) => c is T): T {
  if (!is(config)) throw new ModelMismatchError(`a ${model} discriminator needs a ${model} configuration, found ${JSON.stringify(config)}`);
  return config;
}

/** HiFiC: {@link GanTrainer} against its conditional PatchGAN. */
export const HIFIC_GAN_TRAINING: GanTraining = Object.freeze({
  stages: Object.freeze([1, 2] as const),
  usesLpips: () => true,
  labelledDiscriminator: false,
  discriminator: (config: unknown) => ({
    discriminator: hificDiscriminator(configOf('hific', config, isHificConfig)),
    description: 'PatchGAN (HiFiC)',
  }),
  checkLoss: (loss: Readonly<Record<string, number>>) => void resolveHificLossWeights(loss),
  trainer: (parts: GanTrainerBaseParts<ImageCodec, GanRunOptions>) => new GanTrainer(parts),
});

/** MRIC: {@link MricTrainer} against HiFiC's PatchGAN. */
export const MRIC_GAN_TRAINING: GanTraining = Object.freeze({
  stages: Object.freeze([1, 2] as const),
  usesLpips: () => true,
  labelledDiscriminator: false,
  discriminator: (config: unknown) => ({
    discriminator: mricDiscriminator(configOf('mric', config, isMricConfig)),
    description: "PatchGAN (HiFiC's, as MRIC)",
  }),
  checkLoss: (loss: Readonly<Record<string, number>>) => void resolveMricLossWeights(loss),
  trainer: ({ codec, ...rest }: GanTrainerBaseParts<ImageCodec, GanRunOptions>) => {
    if (!(codec instanceof MricCodec)) throw new ModelMismatchError('an mric run needs an MRIC codec');
    return new MricTrainer({ codec, ...rest });
  },
  progress: async (codec: ImageCodec) => {
    if (!(codec instanceof MricCodec)) throw new ModelMismatchError('an mric run needs an MRIC codec');
    const a = await codec.conditionalSynthesis.conditioningActivity();
    return {
      text: `β: ${a.alive}/${a.units} units live, range ${a.range.toFixed(2)}, |P| ${a.projectionNorm.toFixed(2)}`,
      values: { conditioningAlive: a.alive, conditioningRange: a.range, projectionNorm: a.projectionNorm },
    };
  },
});

/**
 * EGIC-ORP: {@link EgicTrainer}; stage 2 against OASIS-C when the data has per-pixel
 * semantic labels, else against the label-free PatchGAN fallback (named so in logs).
 */
export const EGIC_GAN_TRAINING: GanTraining = Object.freeze({
  stages: Object.freeze([1, 2, 3] as const),
  usesLpips: (stage: 1 | 2 | 3) => stage !== 3,
  labelledDiscriminator: true,
  discriminator: (config: unknown, labels: boolean) => {
    const c = configOf('egic-orp', config, isEgicConfig);
    return labels
      ? {
          discriminator: egicDiscriminator(c, { labels: true }),
          description: `OASIS-C (${c.semanticClasses} classes + fake, EGIC's)`,
          numClasses: c.semanticClasses,
        }
      : {
          discriminator: egicDiscriminator(c),
          description: "PatchGAN fallback (no semantic labels: EGIC's OASIS-C needs per-pixel labels)",
        };
  },
  checkLoss: (loss: Readonly<Record<string, number>>) => void resolveEgicLossWeights(loss),
  trainer: ({ codec, ...rest }: GanTrainerBaseParts<ImageCodec, GanRunOptions>) => {
    if (!(codec instanceof EgicCodec)) throw new ModelMismatchError('an egic-orp run needs an EGIC codec');
    return new EgicTrainer({ codec, ...rest });
  },
});

/**
 * The stage a command line asks for, checked against the model's stages.
 * @throws InvalidArgumentError naming the allowed stages.
 */
export function parseGanStage(training: GanTraining, model: string, text: string): 1 | 2 | 3 {
  const stage = training.stages.find((s) => String(s) === text);
  if (stage === undefined) {
    const list = training.stages.join(', ').replace(/, (\d)$/, ' or $1');
    throw new InvalidArgumentError(`--stage must be ${list} for ${model}, found "${text}"`);
  }
  return stage;
}
