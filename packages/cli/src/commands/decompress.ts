import { InvalidArgumentError, ModelMismatchError, writeFileAtomic } from '@ncomp/core';
import type { ImageCodec } from '@ncomp/models';
import { checkContainerModel } from '@ncomp/models/container';
import { encodePngSamples, pngSamples } from '../image/index.js';
import { batchCounts, batchSummary, jobArrow, runJobs } from './batch.js';
import type { CommandContext } from './context.js';
import { decodeControlOption } from './decode-control-option.js';
import { NCOMP_KIND, expandInputs } from './inputs.js';
import { chooseBackend, chooseModel, maxPixelsOption } from './model-choice.js';
import { jobFailureReport, jobPaths, refuseJsonWithData } from './json-output.js';
import type { DecompressReport } from './json-reports.js';
import { checkJobs, planJobs, sourceName, type Job } from './output-plan.js';
import { decodeContainerNamed, namingFile, readContainerFile } from './read-container.js';

/** Help text of `ncomp decompress`. */
export const DECOMPRESS_HELP = `ncomp decompress — decode .ncomp files to PNG

Usage: ncomp decompress <file.ncomp|folder|'pattern'|-> ... [options]

  --model <file|name>  model file (or shipped model name, e.g. mric-small) the stream was
                     made with (default: the default model)
  --beta <B>         MRIC models: realism weight chosen at decode time (0 = distortion-
                     oriented, the default; up to 2.56 in the reference's use, 5.12 at most)
  --alpha <A>        EGIC-ORP models: 1 = the GAN output, 0 = the MSE head's, in between mixes
  -o, --output <f>   output PNG (one input), a folder (existing, or ending in /: outputs
                     named after the inputs), or - for stdout; default <file stem>.png
                     beside each input (stdout for stdin input)
  --out-dir <dir>    write outputs into this folder (as -o dir/)
  --force            replace existing outputs; write PNG data to a terminal
  --max-pixels <n>   refuse larger images (default 268435456 = 2^28); raise it for trusted files
  --json             one JSON document on stdout: a result per input (docs/cli.md)
  --backend <b>      auto | tensorflow | webgpu | wasm | cpu

A header is checked against the model and the streams before anything is decoded: a
forged or damaged image size is refused at once. Large images are decoded in tiles. The output has the input's size; gray inputs decode to gray PNGs, 16-bit inputs to
16-bit PNGs. A damaged file, a file of another model or of another format version is
refused with a message that says which.

Inputs as for ncomp compress: files, - for stdin, a folder (its .ncomp files), a quoted
pattern (* ? ** [abc] {a,b}). A failed input is reported and the others go on; the exit
code is 1 if any failed. With -o - (or stdin input) the PNG goes to stdout and every
message to stderr.`;

/** `ncomp decompress`. */
export async function decompressCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length === 0) throw new InvalidArgumentError('no .ncomp files given');
  const maxPixels = maxPixelsOption(ctx);
  const inputs = await expandInputs(ctx.positionals, NCOMP_KIND);
  const jobs = await planJobs(inputs, '.png', { output: ctx.option('output'), outDir: ctx.option('out-dir') });
  refuseJsonWithData(ctx, jobs);
  await checkJobs(jobs, ctx.flag('force'), ctx.stdoutIsTTY, 'PNG data');
  for (const line of inputs.ignored) ctx.log(`ignored: ${line}`);
  const say = jobs.some((j) => j.target.kind === 'stdout') ? ctx.log : ctx.print;
  await chooseBackend(ctx);
  const { model, name, digest, path } = await chooseModel(ctx);
  let result;
  let control: number | undefined;
  try {
    control = decodeControlOption(ctx, model.decodeControl, name);
    const decoder = { model, name, digest, path, control, maxPixels };
    result = await runJobs(ctx, jobs, async (job) => {
      const d = await decompressJob(ctx, job, decoder);
      const at = control === undefined ? '' : `, ${model.decodeControl!.name} ${control}`;
      say(`${jobArrow(job)}: ${d.width}x${d.height}${at}, ${d.ms.toFixed(0)} ms`);
      return d;
    });
  } finally {
    model.dispose();
  }
  if (jobs.length > 1) say(batchSummary(result.outcomes, 'decompressed'));
  if (ctx.json) {
    const controlName = model.decodeControl?.name;
    const report: DecompressReport = {
      command: 'decompress',
      ok: result.exitCode === 0,
      model: { name, file: path, ...(control !== undefined && controlName ? { control: { name: controlName, value: control } } : {}) },
      files: result.outcomes.map((o) => (o.ok ? { ...jobPaths(o.job), ok: true, ...o.value } : jobFailureReport(o))),
      counts: batchCounts(result.outcomes),
    };
    ctx.printJson(report);
  }
  return result.exitCode;
}

/** The model and settings every file is decoded with. */
interface Decoder {
  readonly model: ImageCodec;
  readonly name: string;
  readonly digest: Uint8Array;
  /** The model file (for messages). */
  readonly path: string;
  readonly control: number | undefined;
  readonly maxPixels: number;
}

/** What decoding one file gave. */
interface Decompressed {
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly ms: number;
}

/** Reads, checks, decodes and writes one file. */
async function decompressJob(ctx: CommandContext, { source, target }: Job, { model, name, digest, path, control, maxPixels }: Decoder): Promise<Decompressed> {
  const input = sourceName(source);
  const container = source.kind === 'stdin' ? decodeContainerNamed(await ctx.readStdin(), input) : await readContainerFile(source.path);
  const h = container.header;
  const gray = h.channels === 'gray' || h.channels === 'gray-alpha';
  const perPixel = gray ? 1 : 3;
  let samples: Uint8Array | Uint16Array;
  const t0 = performance.now();
  try {
    checkContainerModel(h, name, digest);
    const [lo, hi] = model.qualityRange;
    if (!(h.quality >= lo && h.quality <= hi)) {
      throw new ModelMismatchError(
        `quality ${h.quality} is outside this model's range ${lo}..${hi}: the file was made with another model or its header is damaged`,
      );
    }
  } catch (err) {
    throw namingFile(input, err, `; the loaded model is ${path} — pass --model <file> with the model it was compressed with`);
  }
  try {
    const image = {
      streams: container.streams,
      height: h.height,
      width: h.width,
      paddedHeight: h.paddedHeight,
      paddedWidth: h.paddedWidth,
      quality: h.quality,
    };
    // Band by band into the PNG's samples, g_s in tiles: no float32 copy of the image. The
    // samples are allocated with the first band, after decompressRows has checked the
    // declared geometry against the pixel limit and the streams (a forged header must not
    // allocate what the file cannot hold).
    const pixels = h.width * h.height * perPixel;
    let decoded: Uint8Array | Uint16Array | undefined;
    await model.decompressRows(
      image,
      (y0, rows) => {
        decoded ??= h.bitDepth === 16 ? new Uint16Array(pixels) : new Uint8Array(pixels);
        decoded.set(pngSamples(rows, gray, h.bitDepth), y0 * h.width * perPixel);
      },
      control,
      { maxPixels },
    );
    if (!decoded) throw new Error('decompressRows delivered no rows');
    samples = decoded;
  } catch (err) {
    throw namingFile(input, err);
  }
  const ms = performance.now() - t0;
  const png = await encodePngSamples(samples, h.width, h.height, { channels: gray ? 'gray' : 'rgb', bitDepth: h.bitDepth });
  if (target.kind === 'stdout') ctx.writeData(png);
  else await writeFileAtomic(target.path, png, { overwrite: ctx.flag('force'), overwriteHint: 'pass --force to replace it' });
  return { width: h.width, height: h.height, bytes: png.length, ms };
}
