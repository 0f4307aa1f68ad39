import { MODELS, loadModelFile, shippedModelNames } from '@ncomp/models';
import type { CommandContext } from './context.js';
import { chooseBackend, modelPath } from './model-choice.js';

/** Help text of `ncomp models`. */
export const MODELS_HELP = `ncomp models — list the model architectures and the default model

Usage: ncomp models [--model <file|name>]

Prints the registry (names usable with \`ncomp train --model\`) with their papers and
default configurations, the trained models shipped with @ncomp/models (names usable with
--model anywhere, e.g. \`ncomp compress --model mric-small\`), then the model file
compress/decompress use by default (or --model): architecture, configuration,
parameters, rate levels, training metadata.`;

/** `ncomp models`. */
export async function modelsCommand(ctx: CommandContext): Promise<number> {
  ctx.print('Architectures (ncomp train --model <name>):');
  for (const e of MODELS.values()) {
    ctx.print(`  ${e.name.padEnd(14)} ${e.description}; default config ${JSON.stringify(e.defaultConfig)}`);
    ctx.print(`  ${''.padEnd(14)} ${e.paper}`);
  }
  ctx.print('');
  ctx.print(`Shipped models (--model <name>): ${shippedModelNames().join(', ')}`);
  ctx.print('');
  await chooseBackend(ctx);
  let path = ctx.option('model') ?? 'the default model';
  try {
    path = await modelPath(ctx);
    const { model, name, config, digest, metadata } = await loadModelFile(path);
    ctx.print(`${ctx.option('model') ? 'Model file' : 'Default model'}: ${path}`);
    ctx.print(`  architecture ${name}, config ${JSON.stringify(config)}`);
    ctx.print(`  ${model.numParameters()} parameters; quality levels ${model.qualityRange[0]}..${model.qualityRange[1]}`);
    ctx.print(`  weights digest ${Buffer.from(digest).toString('hex')}`);
    for (const [k, v] of Object.entries(metadata)) if (k.startsWith('ncomp.') && k !== 'ncomp.config' && k !== 'ncomp.model') ctx.print(`  ${k}: ${v}`);
    model.dispose();
  } catch (err) {
    ctx.print(`${ctx.option('model') ? 'Model file' : 'Default model'} ${path}: not usable (${(err as Error).message})`);
    return 1;
  }
  return 0;
}
