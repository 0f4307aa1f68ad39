import {
  CorruptStreamError,
  InvalidArgumentError,
  errorCode,
  readSafetensorsFile,
  safetensorsToStateDict,
  stateDictToSafetensors,
  writeFileAtomic,
} from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { modelFileBytes, type LoadedModel } from '../model-file/model-file.js';
import { loadModelFile } from '../model-file/model-file-node.js';
import type { ModelConfig } from '../zoo/registry.js';
import type { RdTrainer, RdTrainerState, RdTrainOptions } from './rd-trainer.js';

/** The JSON part of a checkpoint (`checkpoint.json`). */
export interface CheckpointInfo {
  /** Format of this file. */
  readonly format: 1;
  /** Registry name of the model. */
  readonly model: string;
  /** Its configuration. */
  readonly config: ModelConfig;
  /** Trainer state (steps, generator states). */
  readonly state: RdTrainerState;
  /** The training options of the run. */
  readonly options: RdTrainOptions;
  /** Model weights file of this checkpoint (in the same directory). */
  readonly modelFile: string;
  /** Optimizer moments file. */
  readonly optimizerFile: string;
  /** Anything else the caller wants to keep (e.g. the command line, data folders). */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** A checkpoint read back. */
export interface Checkpoint {
  /** The JSON part. */
  readonly info: CheckpointInfo;
  /** The model with its weights. */
  readonly loaded: LoadedModel;
  /** Optimizer moments by name (the caller disposes them, e.g. after `Adam.loadStateDict`). */
  readonly optimizerTensors: Record<string, tf.Tensor>;
}

const INFO = 'checkpoint.json';

/**
 * Writes a resumable checkpoint of a training run into `dir` (created if needed):
 * `model-<step>.safetensors` (a model file), `optimizer-<step>.safetensors` (Adam
 * moments), then `checkpoint.json` naming them, replaced atomically: an interrupt at any
 * moment leaves the previous checkpoint or the new one intact, never a mix. Older weight
 * files are removed afterwards.
 */
export async function writeCheckpoint(
  dir: string,
  trainer: RdTrainer,
  model: string,
  config: ModelConfig,
  extra: Readonly<Record<string, unknown>> = {},
): Promise<CheckpointInfo> {
  await mkdir(dir, { recursive: true });
  const state = trainer.state;
  const modelFile = `model-${state.step}.safetensors`;
  const optimizerFile = `optimizer-${state.step}.safetensors`;
  await writeFileAtomic(join(dir, modelFile), await modelFileBytes(trainer.model, model, config, { 'ncomp.step': String(state.step) }), { overwrite: true });
  const opt = trainer.optimizer.stateDict();
  try {
    await writeFileAtomic(join(dir, optimizerFile), await stateDictToSafetensors(opt.tensors, { metadata: { 'ncomp.step': String(state.step) } }), {
      overwrite: true,
    });
  } finally {
    tf.dispose(Object.values(opt.tensors));
  }
  const info: CheckpointInfo = { format: 1, model, config, state, options: trainer.options, modelFile, optimizerFile, extra };
  await writeFileAtomic(join(dir, INFO), new TextEncoder().encode(`${JSON.stringify(info, null, 2)}\n`), { overwrite: true });
  for (const f of await readdir(dir)) {
    if (/^(model|optimizer)-\d+\.safetensors$/.test(f) && f !== modelFile && f !== optimizerFile) await rm(join(dir, f), { force: true });
  }
  return info;
}

/** Whether `dir` holds a checkpoint. */
export async function hasCheckpoint(dir: string): Promise<boolean> {
  try {
    await readFile(join(dir, INFO));
    return true;
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/**
 * Reads the checkpoint in `dir`.
 * @throws InvalidArgumentError when there is none; CorruptStreamError for a damaged one.
 */
export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  let text: string;
  try {
    text = await readFile(join(dir, INFO), 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new InvalidArgumentError(`no checkpoint in ${dir} (no ${INFO})`, { cause: err });
    throw err;
  }
  let info: CheckpointInfo;
  try {
    info = JSON.parse(text) as CheckpointInfo;
  } catch (err) {
    throw new CorruptStreamError(`${join(dir, INFO)} is not valid JSON`, { cause: err });
  }
  if ((info as { kind?: unknown }).kind === 'gan') {
    throw new InvalidArgumentError(`${dir} holds a GAN-training checkpoint (GanTrainer); read it with readGanCheckpoint`);
  }
  if (info.format !== 1 || typeof info.modelFile !== 'string' || typeof info.optimizerFile !== 'string' || typeof info.state?.step !== 'number') {
    throw new CorruptStreamError(`${join(dir, INFO)} is not an ncomp checkpoint (format 1)`);
  }
  const loaded = await loadModelFile(join(dir, info.modelFile), { tablesOptional: true });
  const file = await readSafetensorsFile(join(dir, info.optimizerFile));
  if (loaded.metadata['ncomp.step'] !== String(info.state.step) || file.metadata['ncomp.step'] !== String(info.state.step)) {
    loaded.model.dispose();
    throw new CorruptStreamError(`checkpoint in ${dir}: weight files are not from step ${info.state.step}`);
  }
  return { info, loaded, optimizerTensors: safetensorsToStateDict(file) };
}

/**
 * Restores a trainer (built on the checkpoint's model) to the checkpoint's state.
 * Disposes the checkpoint's optimizer tensors.
 */
export function restoreTrainer(trainer: RdTrainer, checkpoint: Checkpoint): void {
  try {
    trainer.optimizer.loadStateDict(trainer.parameters, checkpoint.optimizerTensors, checkpoint.info.state.adamStep);
    trainer.restore(checkpoint.info.state);
  } finally {
    tf.dispose(Object.values(checkpoint.optimizerTensors));
  }
}
