import { InvalidArgumentError } from '@ncomp/core';
import { readCheckpoint, readGanCheckpoint, saveModelFile, type LoadedModel } from '@ncomp/models';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from './context.js';
import { chooseBackend } from './model-choice.js';

/** Help text of `ncomp export`. */
export const EXPORT_HELP = `ncomp export — write a model file from a training checkpoint

Usage: ncomp export <run-folder> <model.safetensors> [--force]

Reads the last checkpoint of a run (as written by \`ncomp train --out <run-folder>\`,
rate-distortion or GAN training: then the codec alone, at its stage), rebuilds the
integer tables of its entropy models from the trained weights and writes a model file for
compress / decompress / eval --model. Safe while the run continues.`;

/** The codec of a run's last checkpoint and what the model file records of the run. */
interface RunCodec {
  readonly loaded: LoadedModel;
  readonly metadata: Readonly<Record<string, string>>;
  readonly step: number;
}

/** Whether the checkpoint in `run` is a GAN-training one (`checkpoint.json` of kind "gan"). */
async function isGanRun(run: string): Promise<boolean> {
  try {
    return (JSON.parse(await readFile(join(run, 'checkpoint.json'), 'utf8')) as { kind?: string }).kind === 'gan';
  } catch {
    return false;
  }
}

/** The codec of the last checkpoint of a rate-distortion or GAN run; every other tensor is freed. */
async function runCodec(run: string): Promise<RunCodec> {
  if (await isGanRun(run)) {
    const cp = await readGanCheckpoint<{ readonly stage: number }>(run);
    for (const dict of [cp.optimizerTensors, cp.discriminatorTensors ?? {}, cp.discriminatorOptimizerTensors ?? {}])
      for (const t of Object.values(dict)) t.dispose();
    const { step, stage } = cp.info.state;
    return {
      loaded: cp.loaded,
      step,
      metadata: { 'ncomp.step': String(step), 'ncomp.stage': String(stage), 'ncomp.train_command': String(cp.info.extra['command'] ?? '') },
    };
  }
  const cp = await readCheckpoint(run);
  for (const t of Object.values(cp.optimizerTensors)) t.dispose();
  const step = cp.info.state.step;
  return { loaded: cp.loaded, step, metadata: { 'ncomp.step': String(step), 'ncomp.train_command': String(cp.info.extra['command'] ?? '') } };
}

/** `ncomp export`. */
export async function exportCommand(ctx: CommandContext): Promise<number> {
  const [run, out, ...extra] = ctx.positionals;
  if (run === undefined || out === undefined || extra.length > 0) throw new InvalidArgumentError('expected <run-folder> <model.safetensors>');
  await chooseBackend(ctx);
  const { loaded, metadata, step } = await runCodec(run);
  const { model, name, config } = loaded;
  try {
    await model.updateAsync();
    await saveModelFile(out, model, name, config, { overwrite: ctx.flag('force'), metadata });
  } finally {
    model.dispose();
  }
  ctx.print(`${run} (step ${step}${metadata['ncomp.stage'] ? `, stage ${metadata['ncomp.stage']}` : ''}, ${name} ${JSON.stringify(config)}) -> ${out}`);
  return 0;
}
