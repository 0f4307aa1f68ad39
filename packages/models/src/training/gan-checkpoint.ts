import {
  CorruptStreamError,
  InvalidArgumentError,
  errorCode,
  readSafetensorsFile,
  safetensorsToStateDict,
  stateDictToSafetensors,
  writeFileAtomic,
  type StateDict,
} from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { modelFileBytes, type LoadedModel } from '../model-file/model-file.js';
import { loadModelFile } from '../model-file/model-file-node.js';
import type { ModelConfig } from '../zoo/registry.js';
import type { Module } from '@ncomp/core';
import type { ImageCodec } from '../codec/image-codec.js';
import type { Adam } from './adam.js';
import type { GanTrainerState, GanTrainOptions } from './gan-trainer.js';

/** What every GAN trainer's options have: the stage (checked when a checkpoint is restored). */
export interface StagedOptions {
  /** The training stage: 1 or 2 (3: EgicTrainer's ORP stage). */
  readonly stage: 1 | 2 | 3;
}

/**
 * What the GAN checkpoint functions need of a trainer: {@link GanTrainer}, {@link
 * MricTrainer} and {@link EgicTrainer} (every {@link GanTrainerBase}) are one. `O` is the
 * type of its options (saved as JSON).
 */
export interface GanCheckpointTrainer<O extends StagedOptions = GanTrainOptions> {
  /** The codec. */
  readonly codec: ImageCodec;
  /** The discriminator, if any. */
  readonly discriminator: Module | undefined;
  /** The codec's optimizer. */
  readonly optimizer: Adam;
  /** The discriminator's optimizer. */
  readonly discriminatorOptimizer: Adam;
  /** The codec's trainable parameters by state-dict name. */
  readonly parameters: ReadonlyMap<string, tf.Variable>;
  /** The discriminator's trainable parameters by state-dict name. */
  readonly discriminatorParameters: ReadonlyMap<string, tf.Variable>;
  /** The run's options. */
  readonly options: O;
  /** Stage, steps, generator states and optimizer step counts. */
  readonly state: GanTrainerState;
  /** Restores `state`. */
  restore(state: GanTrainerState): void;
}

/** Files of a {@link GanCheckpointInfo}, in the checkpoint's directory. */
export interface GanCheckpointFiles {
  /** The codec as a model file. */
  readonly model: string;
  /** The codec optimizer's moments. */
  readonly optimizer: string;
  /** The discriminator's state dict (weights and spectral-norm vectors); absent without a discriminator. */
  readonly discriminator?: string;
  /** The discriminator optimizer's moments; absent without a discriminator. */
  readonly discriminatorOptimizer?: string;
}

/**
 * The JSON part of a GAN-training checkpoint (`checkpoint.json`); `O` is the type of the
 * trainer's options ({@link GanTrainOptions} for HiFiC, {@link MricTrainOptions} for MRIC,
 * {@link EgicTrainOptions} for EGIC).
 */
export interface GanCheckpointInfo<O = GanTrainOptions> {
  /** Format of this file. */
  readonly format: 1;
  /** Marks a {@link GanTrainer} checkpoint (RdTrainer checkpoints have none). */
  readonly kind: 'gan';
  /** Registry name of the codec. */
  readonly model: string;
  /** Its configuration (for HiFiC it also sizes the discriminator). */
  readonly config: ModelConfig;
  /** Trainer state: stage, steps, generator states, optimizer step counts. */
  readonly state: GanTrainerState;
  /** The training options of the run. */
  readonly options: O;
  /** The tensor files. */
  readonly files: GanCheckpointFiles;
  /** Anything else the caller wants to keep (e.g. the command line, data folders). */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** A GAN-training checkpoint read back (`O`: the trainer's options type, see {@link GanCheckpointInfo}). */
export interface GanCheckpoint<O = GanTrainOptions> {
  /** The JSON part. */
  readonly info: GanCheckpointInfo<O>;
  /** The codec with its weights (integer tables rebuilt from them, so it can code at once). */
  readonly loaded: LoadedModel;
  /** The codec optimizer's moments (disposed by {@link restoreGanTrainer}). */
  readonly optimizerTensors: StateDict;
  /** The discriminator's state dict (disposed by {@link restoreGanTrainer}), absent without one. */
  readonly discriminatorTensors?: StateDict;
  /** The discriminator optimizer's moments (disposed by {@link restoreGanTrainer}), absent without one. */
  readonly discriminatorOptimizerTensors?: StateDict;
}

const INFO = 'checkpoint.json';
const STALE = /^s[123]-(model|optimizer|discriminator|discriminator-optimizer)-\d+\.safetensors$/;

async function tensorsBytes(dict: StateDict, metadata: Record<string, string>): Promise<Uint8Array> {
  try {
    return await stateDictToSafetensors(dict, { metadata });
  } finally {
    tf.dispose(Object.values(dict));
  }
}

/**
 * Writes a resumable checkpoint of a {@link GanTrainer}, {@link MricTrainer} or {@link EgicTrainer} into `dir` (created if needed):
 * the codec as a model file, the discriminator's state dict (with its spectral-norm
 * vectors), both optimizers' moments, then `checkpoint.json` naming them with the
 * trainer's state (stage, steps, batch and noise generator states), replaced atomically:
 * an interrupt at any moment leaves the previous checkpoint or the new one intact, never a
 * mix. File names carry the stage and step (`s2-model-300.safetensors`, ...); older ones
 * are removed afterwards. Keep stages in separate directories to keep the stage-1 codec.
 * @param dir - Checkpoint directory.
 * @param trainer - The trainer.
 * @param model - Registry name of its codec (e.g. `hific`).
 * @param config - The codec's configuration.
 * @param extra - More JSON to keep.
 */
export async function writeGanCheckpoint<O extends StagedOptions>(
  dir: string,
  trainer: GanCheckpointTrainer<O>,
  model: string,
  config: ModelConfig,
  extra: Readonly<Record<string, unknown>> = {},
): Promise<GanCheckpointInfo<O>> {
  await mkdir(dir, { recursive: true });
  const state = trainer.state;
  const tag = `s${state.stage}`;
  const meta = { 'ncomp.step': String(state.step), 'ncomp.stage': String(state.stage) };
  const disc = trainer.discriminator;
  const files: GanCheckpointFiles = {
    model: `${tag}-model-${state.step}.safetensors`,
    optimizer: `${tag}-optimizer-${state.step}.safetensors`,
    ...(disc
      ? { discriminator: `${tag}-discriminator-${state.step}.safetensors`, discriminatorOptimizer: `${tag}-discriminator-optimizer-${state.step}.safetensors` }
      : {}),
  };
  await writeFileAtomic(join(dir, files.model), await modelFileBytes(trainer.codec, model, config, meta), { overwrite: true });
  await writeFileAtomic(join(dir, files.optimizer), await tensorsBytes(trainer.optimizer.stateDict().tensors, meta), { overwrite: true });
  if (disc && files.discriminator && files.discriminatorOptimizer) {
    await writeFileAtomic(join(dir, files.discriminator), await tensorsBytes(disc.stateDict(), meta), { overwrite: true });
    await writeFileAtomic(join(dir, files.discriminatorOptimizer), await tensorsBytes(trainer.discriminatorOptimizer.stateDict().tensors, meta), {
      overwrite: true,
    });
  }
  const info: GanCheckpointInfo<O> = { format: 1, kind: 'gan', model, config, state, options: trainer.options, files, extra };
  await writeFileAtomic(join(dir, INFO), new TextEncoder().encode(`${JSON.stringify(info, null, 2)}\n`), { overwrite: true });
  const keep = new Set(Object.values(files));
  for (const f of await readdir(dir)) {
    if (STALE.test(f) && !keep.has(f)) await rm(join(dir, f), { force: true });
  }
  return info;
}

/**
 * Reads the GAN-training checkpoint in `dir`. `O` is the options type of the trainer that
 * wrote it (the `model` field says which: `mric` checkpoints hold {@link MricTrainOptions}).
 * @throws InvalidArgumentError when there is none or it is an RdTrainer checkpoint;
 *   CorruptStreamError for a damaged one or files from another step.
 */
export async function readGanCheckpoint<O = GanTrainOptions>(dir: string): Promise<GanCheckpoint<O>> {
  let text: string;
  try {
    text = await readFile(join(dir, INFO), 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new InvalidArgumentError(`no checkpoint in ${dir} (no ${INFO})`, { cause: err });
    throw err;
  }
  let info: GanCheckpointInfo<O>;
  try {
    info = JSON.parse(text) as GanCheckpointInfo<O>;
  } catch (err) {
    throw new CorruptStreamError(`${join(dir, INFO)} is not valid JSON`, { cause: err });
  }
  if (info.format === 1 && info.kind === undefined)
    throw new InvalidArgumentError(`${dir} holds a rate-distortion (RdTrainer) checkpoint; read it with readCheckpoint`);
  const files = info.files as GanCheckpointFiles | undefined;
  if (
    info.format !== 1 ||
    info.kind !== 'gan' ||
    typeof files?.model !== 'string' ||
    typeof files.optimizer !== 'string' ||
    typeof info.state?.step !== 'number'
  ) {
    throw new CorruptStreamError(`${join(dir, INFO)} is not an ncomp GAN checkpoint (format 1)`);
  }
  const step = String(info.state.step);
  const stage = String(info.state.stage);
  const check = (name: string, metadata: Readonly<Record<string, string>>): void => {
    if (metadata['ncomp.step'] !== step || metadata['ncomp.stage'] !== stage) {
      throw new CorruptStreamError(`checkpoint in ${dir}: ${name} is not from stage ${stage} step ${step}`);
    }
  };
  const loaded = await loadModelFile(join(dir, files.model), { tablesOptional: true });
  const owned: tf.Tensor[] = [];
  const read = async (name: string): Promise<StateDict> => {
    const file = await readSafetensorsFile(join(dir, name));
    check(name, file.metadata);
    const dict = safetensorsToStateDict(file);
    owned.push(...Object.values(dict));
    return dict;
  };
  try {
    check(files.model, loaded.metadata);
    // The tables saved mid-training may predate the weights: rebuild them so the codec codes as its weights say.
    await loaded.model.updateAsync();
    const optimizerTensors = await read(files.optimizer);
    const disc =
      files.discriminator && files.discriminatorOptimizer ? { d: await read(files.discriminator), o: await read(files.discriminatorOptimizer) } : undefined;
    return { info, loaded, optimizerTensors, ...(disc ? { discriminatorTensors: disc.d, discriminatorOptimizerTensors: disc.o } : {}) };
  } catch (err) {
    loaded.model.dispose();
    tf.dispose(owned);
    throw err;
  }
}

function loadMoments(optimizer: Adam, params: ReadonlyMap<string, tf.Variable>, tensors: StateDict, step: number): void {
  // A checkpoint written before the first step has no moments yet.
  if (Object.keys(tensors).length === 0 && step === 0) return;
  optimizer.loadStateDict(params, tensors, step);
}

/**
 * Restores a trainer to a checkpoint's state: the discriminator's weights (the codec's
 * were loaded with the checkpoint; build the trainer on `checkpoint.loaded.model`), both
 * optimizers' moments, steps and generator states. Disposes the checkpoint's tensors.
 * @throws ModelMismatchError when the discriminator or the moments do not fit;
 *   InvalidArgumentError when the checkpoint is from another stage or has no
 *   discriminator state for a trainer with a discriminator.
 */
export function restoreGanTrainer<O extends StagedOptions>(trainer: GanCheckpointTrainer<O>, checkpoint: GanCheckpoint<O>): void {
  const { info } = checkpoint;
  try {
    if (info.state.stage !== trainer.options.stage)
      throw new InvalidArgumentError(`checkpoint is from stage ${info.state.stage}, the trainer runs stage ${trainer.options.stage}`);
    const disc = trainer.discriminator;
    if (disc) {
      if (!checkpoint.discriminatorTensors || !checkpoint.discriminatorOptimizerTensors)
        throw new InvalidArgumentError('the checkpoint has no discriminator state, the trainer has a discriminator');
      disc.loadStateDict(checkpoint.discriminatorTensors);
      loadMoments(trainer.discriminatorOptimizer, trainer.discriminatorParameters, checkpoint.discriminatorOptimizerTensors, info.state.discriminatorAdamStep);
    }
    loadMoments(trainer.optimizer, trainer.parameters, checkpoint.optimizerTensors, info.state.adamStep);
    trainer.restore(info.state);
  } finally {
    tf.dispose([
      ...Object.values(checkpoint.optimizerTensors),
      ...Object.values(checkpoint.discriminatorTensors ?? {}),
      ...Object.values(checkpoint.discriminatorOptimizerTensors ?? {}),
    ]);
  }
}
