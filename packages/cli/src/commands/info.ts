import { describeBackend } from '@ncomp/core';
import { describeContainer } from '@ncomp/models/container';
import type { CommandContext } from './context.js';
import { chooseBackend } from './model-choice.js';
import { readContainerFile } from './read-container.js';

/** Help text of `ncomp info`. */
export const INFO_HELP = `ncomp info — describe .ncomp files, or the backend in use

Usage: ncomp info <file.ncomp...>
       ncomp info --backend <auto|tensorflow|webgpu|wasm|cpu>

With files: model, weights digest, image size and padding, channels, quality, stream
sizes and bpp of each. Without files: which TensorFlow.js backend --backend selects on
this machine and what it reports (use it to check a tfjs-node / tfjs-node-gpu install,
or which WebGPU adapter --backend webgpu finds).`;

/** `ncomp info`. */
export async function infoCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length === 0) {
    const report = await chooseBackend(ctx);
    ctx.print(`backend: ${report.chosen}`);
    ctx.print(`package: ${report.package}`);
    ctx.print(`details: ${report.reason}`);
    const d = describeBackend();
    ctx.print(JSON.stringify(d, null, 2));
    return 0;
  }
  for (const input of ctx.positionals) {
    const container = await readContainerFile(input);
    ctx.print(`${input}:`);
    ctx.print(describeContainer(container));
  }
  return 0;
}
