import { describeBackend } from '@ncomp/core';
import { CONTAINER_VERSION, describeContainer, type Container } from '@ncomp/models/container';
import { stat } from 'node:fs/promises';
import { batchCounts, runJobs } from './batch.js';
import type { CommandContext } from './context.js';
import type { ContainerReport, InfoBackendReport, InfoFilesReport } from './json-reports.js';
import { chooseBackend } from './model-choice.js';
import { readContainerFile } from './read-container.js';

/** Help text of `ncomp info`. */
export const INFO_HELP = `ncomp info — describe .ncomp files, or the backend in use

Usage: ncomp info <file.ncomp...> [--json]
       ncomp info --backend <auto|tensorflow|webgpu|wasm|cpu> [--json]

With files: model, weights digest, image size and padding, channels, quality, stream
sizes and bpp of each. Without files: which TensorFlow.js backend --backend selects on
this machine and what it reports (use it to check a tfjs-node / tfjs-node-gpu install,
or which WebGPU adapter --backend webgpu finds). A file that cannot be read is reported
and the others are still described (exit 1).

  --json             one JSON document on stdout (see docs/cli.md)`;

/** `ncomp info`. */
export async function infoCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length === 0) {
    const report = await chooseBackend(ctx);
    const details = describeBackend();
    if (ctx.json) {
      const doc: InfoBackendReport = { command: 'info', ok: true, backend: { chosen: report.chosen, package: report.package, reason: report.reason, details } };
      ctx.printJson(doc);
      return 0;
    }
    ctx.print(`backend: ${report.chosen}`);
    ctx.print(`package: ${report.package}`);
    ctx.print(`details: ${report.reason}`);
    ctx.print(JSON.stringify(details, null, 2));
    return 0;
  }
  const result = await runJobs(ctx, ctx.positionals, async (input) => {
    const container = await readContainerFile(input);
    if (!ctx.json) {
      ctx.print(`${input}:`);
      ctx.print(describeContainer(container));
    }
    return containerReport(input, container, (await stat(input)).size);
  });
  if (ctx.json) {
    const doc: InfoFilesReport = {
      command: 'info',
      ok: result.exitCode === 0,
      files: result.outcomes.map((o) => (o.ok ? o.value : { input: o.job, ok: false, error: o.error, exitCode: o.exitCode })),
      counts: batchCounts(result.outcomes),
    };
    ctx.printJson(doc);
  }
  return result.exitCode;
}

/** The `--json` entry of a container read from `input` (`bytes` long). */
function containerReport(input: string, { header: h, streams }: Container, bytes: number): ContainerReport {
  return {
    input,
    ok: true,
    format: CONTAINER_VERSION,
    model: h.modelName,
    weightsDigest: Buffer.from(h.weightsDigest).toString('hex'),
    width: h.width,
    height: h.height,
    paddedWidth: h.paddedWidth,
    paddedHeight: h.paddedHeight,
    channels: h.channels,
    bitDepth: h.bitDepth,
    quality: h.quality,
    extras: { ...h.extras },
    streams: streams.map((s) => s.length),
    bytes,
    bpp: (bytes * 8) / (h.width * h.height),
  };
}
