import type { CommandContext } from './context.js';
import { compressCommand, compressHelp } from './compress.js';
import { defaultModelQualityRange } from './model-choice.js';
import { DECOMPRESS_HELP, decompressCommand } from './decompress.js';
import { EVAL_HELP, evalCommand } from './eval.js';
import { EXPORT_HELP, exportCommand } from './export.js';
import { INFO_HELP, infoCommand } from './info.js';
import { MODELS_HELP, modelsCommand } from './models.js';
import { TRAIN_HELP, trainCommand } from './train.js';

/** One option of a subcommand. */
export interface OptionSpec {
  /** `string` options take a value (and may repeat); `boolean` ones are flags. */
  readonly type: 'string' | 'boolean';
  /** One-letter alias, e.g. `o` for `-o`. */
  readonly short?: string;
}

/** A subcommand of `ncomp`. */
export interface CommandSpec {
  /** Its name. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Its `--help` text, or a function that builds it (e.g. from the default model file). */
  readonly help: string | (() => Promise<string>);
  /** What to do when the backend runs out of memory (default: install @tensorflow/tfjs-node). */
  readonly memoryAdvice?: string;
  /** Its options (besides --backend, --quiet, --debug): strings may repeat. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Runs it; resolves to the exit code. */
  run(ctx: CommandContext): Promise<number>;
}

const s = { type: 'string' } as const;
const b = { type: 'boolean' } as const;
const o = { type: 'string', short: 'o' } as const;

/** The subcommands by name. */
export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  [
    {
      name: 'compress',
      summary: 'compress images (PNG, JPEG, WebP, ...) to .ncomp files',
      help: async () => compressHelp(await defaultModelQualityRange()),
      options: { quality: s, model: s, output: o, 'out-dir': s, force: b, 'max-pixels': s, json: b },
      run: compressCommand,
    },
    {
      name: 'decompress',
      summary: 'decode .ncomp files to PNG',
      help: DECOMPRESS_HELP,
      options: { model: s, output: o, 'out-dir': s, force: b, beta: s, alpha: s, 'max-pixels': s, json: b },
      run: decompressCommand,
    },
    {
      name: 'eval',
      summary: 'bpp, PSNR, MS-SSIM (LPIPS), timings (beta / alpha sweeps) on a folder, beside JPEG, WebP and AVIF',
      help: EVAL_HELP,
      options: { model: s, qualities: s, codecs: s, limit: s, out: s, force: b, beta: s, alpha: s, lpips: s, 'lpips-net': s, json: b },
      run: evalCommand,
    },
    {
      name: 'export',
      summary: 'write a model file from a training checkpoint',
      help: EXPORT_HELP,
      options: { force: b },
      run: exportCommand,
    },
    {
      name: 'info',
      summary: 'describe .ncomp files, or the backend in use',
      help: INFO_HELP,
      options: { json: b },
      run: infoCommand,
    },
    {
      name: 'models',
      summary: 'list architectures and the default model',
      help: MODELS_HELP,
      options: { model: s },
      run: modelsCommand,
    },
    {
      name: 'train',
      summary: 'train a model on a folder of images (resumable)',
      help: TRAIN_HELP,
      options: {
        model: s,
        config: s,
        lambda: s,
        steps: s,
        batch: s,
        crop: s,
        lr: s,
        'lr-multipliers': s,
        init: s,
        'decay-start': s,
        seed: s,
        'checkpoint-every': s,
        'log-every': s,
        eval: s,
        'eval-every': s,
        export: s,
        resume: b,
        force: b,
        data: s,
        out: s,
        stage: s,
        lpips: s,
        'lpips-net': s,
        loss: s,
        'd-lr': s,
        workers: s,
        labels: s,
        downscale: s,
      },
      memoryAdvice: 'use a smaller --batch or --crop (or a smaller model), or install @tensorflow/tfjs-node (--backend tensorflow)',
      run: trainCommand,
    },
  ].map((c) => [c.name, c]),
);
