import { InvalidArgumentError, writeFileAtomic } from '@ncomp/core';
import { DEFAULT_MAX_PIXELS, type ImageCodec } from '@ncomp/models';
import { encodeContainer } from '@ncomp/models/container';
import { decodeImagePixels, readImagePixels, type DecodedImagePixels } from '../image/index.js';
import { batchCounts, batchSummary, jobArrow, runJobs } from './batch.js';
import type { CommandContext } from './context.js';
import { expandInputs, imageKind } from './inputs.js';
import { jobPaths } from './json-output.js';
import { chooseBackend, chooseModel, maxPixelsOption, numberOption } from './model-choice.js';
import { jobFailureReport, refuseJsonWithData } from './json-output.js';
import type { CompressReport } from './json-reports.js';
import { checkJobs, planJobs, sourceName, type Job } from './output-plan.js';
import { namingFile } from './read-container.js';
import { IMAGE_EXTENSIONS } from './training-images.js';

/**
 * Help text of `ncomp compress`, with the default model's quality range (read from its
 * file; "0 (smallest) .. n (best)" when unknown).
 */
export function compressHelp(range: readonly [number, number] | undefined): string {
  const levels = range ? `${range[0]} (smallest) .. ${range[1]} (best) for the default model` : '0 (smallest) .. n (best); `ncomp models` lists them';
  return `ncomp compress — compress images to .ncomp files

Usage: ncomp compress <image|folder|'pattern'|-> ... [options]

  --quality <q>      rate level of the model, ${levels};
                     fractions interpolate (default: the highest)
  --model <file|name>  model file, or a shipped model by name (e.g. mric-small; see
                     \`ncomp models\`); default: the default model of @ncomp/models
  -o, --output <f>   output file (one input), a folder (existing, or ending in /: outputs
                     named after the inputs), or - for stdout; default <image stem>.ncomp
                     beside each input (stdout for stdin input)
  --out-dir <dir>    write outputs into this folder (as -o dir/)
  --force            replace existing outputs; write .ncomp data to a terminal
  --max-pixels <n>   refuse larger images (default ${DEFAULT_MAX_PIXELS} = 2^28, e.g. 16384x16384);
                     raise it for trusted inputs (decompress then needs the same)
  --json             one JSON document on stdout: a result per input (docs/cli.md)
  --backend <b>      auto | tensorflow | webgpu | wasm | cpu

Inputs: files; - for stdin (the only input then); a folder (the images directly in it,
by extension); a quoted pattern that ncomp expands: * ? ** [abc] {a,b} (e.g.
'photos/**/*.png'). Several inputs need a folder as output; names must not collide.
A failed input is reported and the others go on; the exit code is 1 if any failed.
With -o - (or stdin input) the .ncomp goes to stdout and every message to stderr.

Images: PNG, JPEG, WebP (and what else sharp reads), any size up to --max-pixels, 8 or 16
bit, gray or colour, with or without alpha (alpha is composited onto white; gray is
restored on decompression). Large images are coded in tiles, in bounded memory. See
packages/cli/src/image/CONVERSION.md for the conversions.`;
}

/** What compressing one image gave. */
interface Compressed {
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly bpp: number;
  readonly ms: number;
}

/** `ncomp compress`. */
export async function compressCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length === 0) throw new InvalidArgumentError('no input images given');
  const maxPixels = maxPixelsOption(ctx);
  const inputs = await expandInputs(ctx.positionals, imageKind(IMAGE_EXTENSIONS));
  const jobs = await planJobs(inputs, '.ncomp', { output: ctx.option('output'), outDir: ctx.option('out-dir') });
  refuseJsonWithData(ctx, jobs);
  await checkJobs(jobs, ctx.flag('force'), ctx.stdoutIsTTY, '.ncomp data');
  for (const line of inputs.ignored) ctx.log(`ignored: ${line}`);
  // With data on stdout, results are messages (stderr) too.
  const say = jobs.some((j) => j.target.kind === 'stdout') ? ctx.log : ctx.print;
  await chooseBackend(ctx);
  const { model, name, digest, path } = await chooseModel(ctx);
  const [lo, hi] = model.qualityRange;
  let result;
  let quality: number;
  try {
    quality = numberOption(ctx, 'quality', hi, lo, hi)!;
    ctx.log(`model: ${name} (${path}), quality ${quality}`);
    const coder = { model, name, digest, quality, maxPixels };
    result = await runJobs(ctx, jobs, async (job) => {
      const c = await compressJob(ctx, job, coder);
      say(`${jobArrow(job)}: ${c.width}x${c.height}, ${c.bytes} bytes, ${c.bpp.toFixed(4)} bpp, ${c.ms.toFixed(0)} ms`);
      return c;
    });
  } finally {
    model.dispose();
  }
  if (jobs.length > 1) say(batchSummary(result.outcomes, 'compressed'));
  if (ctx.json) {
    const report: CompressReport = {
      command: 'compress',
      ok: result.exitCode === 0,
      model: { name, file: path, quality },
      files: result.outcomes.map((o) => (o.ok ? { ...jobPaths(o.job), ok: true, ...o.value } : jobFailureReport(o))),
      counts: batchCounts(result.outcomes),
    };
    ctx.printJson(report);
  }
  return result.exitCode;
}

/** The model and settings every image is compressed with. */
interface Coder {
  readonly model: ImageCodec;
  readonly name: string;
  readonly digest: Uint8Array;
  readonly quality: number;
  readonly maxPixels: number;
}

/** Reads, compresses and writes one image. */
async function compressJob(ctx: CommandContext, { source, target }: Job, { model, name, digest, quality, maxPixels }: Coder): Promise<Compressed> {
  const input = sourceName(source);
  // The file's samples, converted row by row: no float32 copy of the image.
  const image: DecodedImagePixels =
    source.kind === 'stdin' ? await decodeImagePixels(await ctx.readStdin(), input, { maxPixels }) : await readImagePixels(source.path, { maxPixels });
  const t0 = performance.now();
  let compressed;
  try {
    // g_a in tiles, the entropy coding in bands of latent rows: memory bounded by the band.
    compressed = await model.compressPixels(image.pixels, image.height, image.width, quality, { maxPixels });
  } catch (err) {
    throw namingFile(input, err);
  }
  const bytes = encodeContainer({
    header: {
      modelName: name,
      weightsDigest: digest,
      width: image.width,
      height: image.height,
      paddedWidth: compressed.paddedWidth,
      paddedHeight: compressed.paddedHeight,
      channels: image.source.channels,
      bitDepth: image.source.bitDepth,
      quality,
      extras: {},
    },
    streams: compressed.streams,
  });
  const ms = performance.now() - t0;
  if (target.kind === 'stdout') ctx.writeData(bytes);
  else await writeFileAtomic(target.path, bytes, { overwrite: ctx.flag('force'), overwriteHint: 'pass --force to replace it' });
  return { width: image.width, height: image.height, bytes: bytes.length, bpp: (bytes.length * 8) / (image.width * image.height), ms };
}
