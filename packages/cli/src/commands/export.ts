import { InvalidArgumentError } from '@ncomp/core';
import { readCheckpoint, saveModelFile } from '@ncomp/models';
import type { CommandContext } from './context.js';
import { chooseBackend } from './model-choice.js';

/** Help text of `ncomp export`. */
export const EXPORT_HELP = `ncomp export — write a model file from a training checkpoint

Usage: ncomp export <run-folder> <model.safetensors> [--force]

Reads the last checkpoint of a run (as written by \`ncomp train --out <run-folder>\`),
rebuilds the integer tables of its entropy models from the trained weights and writes a
model file for compress / decompress / eval --model. Safe while the run continues.`;

/** `ncomp export`. */
export async function exportCommand(ctx: CommandContext): Promise<number> {
  const [run, out, ...extra] = ctx.positionals;
  if (run === undefined || out === undefined || extra.length > 0) throw new InvalidArgumentError('expected <run-folder> <model.safetensors>');
  await chooseBackend(ctx);
  const cp = await readCheckpoint(run);
  tfDispose(cp.optimizerTensors);
  const { model, name, config } = cp.loaded;
  try {
    model.update();
    await saveModelFile(out, model, name, config, {
      overwrite: ctx.flag('force'),
      metadata: { 'ncomp.step': String(cp.info.state.step), 'ncomp.train_command': String(cp.info.extra['command'] ?? '') },
    });
  } finally {
    model.dispose();
  }
  ctx.print(`${run} (step ${cp.info.state.step}, ${name} ${JSON.stringify(config)}) -> ${out}`);
  return 0;
}

function tfDispose(tensors: Record<string, { dispose(): void }>): void {
  for (const t of Object.values(tensors)) t.dispose();
}
