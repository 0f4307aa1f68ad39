import { InvalidArgumentError, setBackend, type BackendChoice } from '@ncomp/core';
import {
  RandomCropSampler,
  RdTrainer,
  estimateRateDistortion,
  hasCheckpoint,
  initializeFrom,
  loadModelFile,
  modelEntry,
  readCheckpoint,
  restoreTrainer,
  saveModelFile,
  writeCheckpoint,
  type RdTrainOptions,
  type RgbImage,
} from '@ncomp/models';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listImages, readRgb8 } from './training-images.js';
import type { CommandContext } from './context.js';

/** Help text of `ncomp train`. */
export const TRAIN_HELP = `ncomp train — train a model with the rate-distortion loss (λ·255²·MSE + bpp)

Usage: ncomp train --data <folder> [--data <folder> ...] --out <run-folder> [options]
       ncomp train --out <run-folder> --resume [--steps <n>]

  --model <name>          registry model (default mbt2018-mean; see \`ncomp models\`)
  --config <json>         model configuration, e.g. '{"N":64,"M":128,"lambdas":[0.0035,0.013,0.05]}'
                          (lambdas: a variable-rate model with one gain level per λ)
  --lambda <λ>            λ of a fixed-rate model (no "lambdas" in the config)
  --init <model-file>     fine-tune: start from this model file's weights (same model; the
                          config defaults to the file's and may differ only in "lambdas":
                          new rate levels start log-linear in log λ from the trained ones)
  --steps <n>             total steps (default 10000; with --resume, may be changed, but the
                          learning-rate decay step stays where it was unless --decay-start is given)
  --batch <n>             crops per batch (default 8)
  --crop <px>             crop size, a multiple of the model's padding multiple (64 for the
                          hyperprior baselines, 32 for block-hyperprior, 16 for bls2017; default 128)
  --lr <rate>             Adam learning rate (default 1e-4); ×0.1 from --decay-start
  --decay-start <step>    default 90 % of --steps (with --resume, may be changed)
  --lr-multipliers <json> learning-rate factors by parameter-name prefix, first match wins,
                          e.g. '{"latent_codec.":10,"analysis.":0.1}' (state-dict names:
                          analysis., synthesis., latent_codec., gain.)
  --seed <n>              seed of crops and levels (default 1)
  --checkpoint-every <n>  steps between checkpoints (default 100)
  --log-every <n>         steps between progress lines (default 10)
  --eval <folder|file>    images for periodic evaluation (estimated bpp and PSNR per level)
  --eval-every <n>        steps between evaluations (default 500)
  --export <file>         write the final model file here (integer tables rebuilt)
  --resume                continue the run in --out from its last checkpoint
  --force                 replace an existing --export file
  --backend <b>           auto | tensorflow | webgpu | wasm | cpu (default auto)

Checkpoints (model, optimizer, generator states) are written atomically to --out;
after an interrupt, the same command with --resume continues exactly where the last
checkpoint left off. Progress goes to stderr and, as JSON lines, to <out>/train-log.jsonl.`;

const num = (ctx: CommandContext, name: string, fallback: number): number => {
  const v = ctx.option(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`--${name} must be a number, found "${v}"`);
  return n;
};

async function loadFolderImages(ctx: CommandContext, folders: readonly string[], what: string): Promise<RgbImage[]> {
  const paths = (await Promise.all(folders.map((f) => listImages(f)))).flat();
  if (paths.length === 0) throw new InvalidArgumentError(`no images found in ${folders.join(', ')} (${what})`);
  const images: RgbImage[] = [];
  for (const p of paths) images.push(await readRgb8(p));
  ctx.log(`${what}: ${images.length} images from ${folders.join(', ')}`);
  return images;
}

/** `ncomp train`. */
export async function trainCommand(ctx: CommandContext): Promise<number> {
  const out = ctx.option('out');
  if (!out) throw new InvalidArgumentError('--out <run-folder> is required (checkpoints and the log go there)');
  const dataFolders = ctx.options('data');
  if (dataFolders.length === 0 && !ctx.flag('resume')) throw new InvalidArgumentError('--data <folder> is required (training images)');
  const report = await setBackend((ctx.option('backend') ?? 'auto') as BackendChoice);
  ctx.log(`backend: ${report.chosen} (${report.reason})`);
  const resume = ctx.flag('resume');
  const existing = await hasCheckpoint(out);
  if (existing && !resume) throw new InvalidArgumentError(`${out} already holds a checkpoint; pass --resume to continue it, or choose another --out`);
  if (!existing && resume) throw new InvalidArgumentError(`--resume: no checkpoint in ${out}`);
  if (resume && ctx.option('init') !== undefined) throw new InvalidArgumentError('--init starts a new run; a resumed run continues from its checkpoint (drop --init)');

  let name: string;
  let config;
  let model;
  let checkpoint;
  if (existing) {
    checkpoint = await readCheckpoint(out);
    name = checkpoint.info.model;
    config = checkpoint.info.config;
    model = checkpoint.loaded.model;
    ctx.log(`resuming ${name} ${JSON.stringify(config)} from step ${checkpoint.info.state.step}`);
  } else {
    const initPath = ctx.option('init');
    const init = initPath === undefined ? undefined : await loadModelFile(initPath);
    name = ctx.option('model') ?? init?.name ?? 'mbt2018-mean';
    const entry = modelEntry(name);
    if (name === 'hific') {
      throw new InvalidArgumentError('ncomp train does not train hific yet: it trains in two GAN stages (GanTrainer in @ncomp/models, see its README), not with the rate-distortion loop of this command');
    }
    if (name === 'mric') {
      throw new InvalidArgumentError('ncomp train does not train mric yet: it trains in two GAN stages with a realism weight beta per image (MricTrainer in @ncomp/models, see its README), not with the rate-distortion loop of this command');
    }
    const configText = ctx.option('config');
    let parsed: unknown;
    try {
      parsed = configText === undefined ? undefined : JSON.parse(configText);
    } catch (err) {
      throw new InvalidArgumentError(`--config is not JSON: ${configText}`, { cause: err });
    }
    config = entry.parseConfig(parsed ?? init?.config);
    model = entry.create(config);
    if (init) {
      try {
        const done = initializeFrom(model, name, config, init);
        ctx.log(`initialised from ${initPath}: ${done.copied} tensors${done.resampledGains ? `; gain levels mapped from λ [${(init.config as { lambdas?: number[] }).lambdas?.join(', ')}]` : ''}`);
      } catch (err) {
        model.dispose();
        throw err;
      } finally {
        init.model.dispose();
      }
    }
  }
  const steps = num(ctx, 'steps', checkpoint?.info.options.steps ?? 10000);
  const lambdaText = ctx.option('lambda');
  const options: RdTrainOptions = checkpoint
    ? { ...checkpoint.info.options, steps, decayStart: num(ctx, 'decay-start', checkpoint.info.options.decayStart ?? Math.floor(0.9 * steps)) }
    : {
        steps,
        batchSize: num(ctx, 'batch', 8),
        learningRate: num(ctx, 'lr', 1e-4),
        decayStart: num(ctx, 'decay-start', Math.floor(0.9 * steps)),
        seed: num(ctx, 'seed', 1),
        ...(lambdaText === undefined ? {} : { lambda: num(ctx, 'lambda', 0) }),
        ...multipliersOption(ctx),
        ...(ctx.option('init') === undefined ? {} : { initializeFromData: false }),
      };
  const crop = checkpoint ? Number(checkpoint.info.extra['crop']) : num(ctx, 'crop', 128);
  // On resume, --data (if given) replaces the folders recorded in the checkpoint (e.g. after a move).
  const trainFolders = checkpoint && dataFolders.length === 0 ? (checkpoint.info.extra['data'] as string[]) : dataFolders;
  const images = await loadFolderImages(ctx, trainFolders, 'training set');
  const evalFolder = ctx.option('eval');
  const evalImages = evalFolder ? await loadFolderImages(ctx, [evalFolder], 'evaluation set') : [];
  const sampler = new RandomCropSampler(images, crop, options.seed ?? 1);
  const trainer = new RdTrainer(model, sampler, options);
  if (checkpoint) restoreTrainer(trainer, checkpoint);
  const extra = { data: trainFolders, crop, command: ctx.argv.join(' '), ...(initOf(ctx, checkpoint?.info.extra) === undefined ? {} : { init: initOf(ctx, checkpoint?.info.extra) }) };
  await mkdir(out, { recursive: true });
  const logPath = join(out, 'train-log.jsonl');
  const checkpointEvery = num(ctx, 'checkpoint-every', 100);
  const logEvery = num(ctx, 'log-every', 10);
  const evalEvery = num(ctx, 'eval-every', 500);
  ctx.log(`${name} ${JSON.stringify(config)}: ${model.numParameters()} parameters; ${sampler.size} images, crops ${crop}, batch ${options.batchSize}, steps ${trainer.step} -> ${steps}`);
  const started = performance.now();
  const startStep = trainer.step;
  let window: { loss: number; bpp: number; psnr: number; n: number } = { loss: 0, bpp: 0, psnr: 0, n: 0 };
  let stop = false;
  const onSignal = (): void => {
    stop = true;
    ctx.log('interrupt: finishing this step and writing a checkpoint (press again to abort)');
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    while (trainer.step < steps && !stop) {
      const r = trainer.trainStep();
      window = { loss: window.loss + r.loss, bpp: window.bpp + r.bpp, psnr: window.psnr + r.psnr, n: window.n + 1 };
      if (r.step % logEvery === 0 || r.step === steps) {
        const rate = (r.step - startStep) / ((performance.now() - started) / 1000);
        const eta = (steps - r.step) / rate;
        ctx.log(
          `step ${r.step}/${steps}  loss ${(window.loss / window.n).toFixed(4)}  bpp ${(window.bpp / window.n).toFixed(3)}  PSNR ${(window.psnr / window.n).toFixed(2)} dB  lr ${r.learningRate.toExponential(1)}  ${rate.toFixed(2)} steps/s  ETA ${formatDuration(eta)}`,
        );
        await appendFile(logPath, `${JSON.stringify({ ...r, loss: window.loss / window.n, bpp: window.bpp / window.n, psnr: window.psnr / window.n, time: new Date().toISOString() })}\n`);
        window = { loss: 0, bpp: 0, psnr: 0, n: 0 };
      }
      if (r.step % checkpointEvery === 0) await writeCheckpoint(out, trainer, name, config, extra);
      if (evalImages.length > 0 && r.step % evalEvery === 0) await evaluate(ctx, trainer, evalImages, logPath);
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  await writeCheckpoint(out, trainer, name, config, extra);
  ctx.log(`checkpoint at step ${trainer.step} in ${out}`);
  const exportPath = ctx.option('export');
  if (exportPath && !stop) {
    model.update();
    await saveModelFile(exportPath, model, name, config, { overwrite: ctx.flag('force'), metadata: { 'ncomp.step': String(trainer.step), 'ncomp.train_command': ctx.argv.join(' ') } });
    ctx.log(`model written to ${exportPath}`);
  }
  model.dispose();
  return stop ? 130 : 0;
}

async function evaluate(ctx: CommandContext, trainer: RdTrainer, images: readonly RgbImage[], logPath: string): Promise<void> {
  const model = trainer.model;
  model.update();
  const levels = model.lambdas.length > 0 ? model.lambdas.map((_, i) => i) : [undefined];
  const rows = levels.map((q) => ({ quality: q ?? 0, ...estimateRateDistortion(model, images, q) }));
  ctx.log(`eval at step ${trainer.step}: ${rows.map((r) => `q${r.quality} ${r.bpp.toFixed(3)} bpp ${r.psnr.toFixed(2)} dB`).join(' | ')}`);
  await appendFile(logPath, `${JSON.stringify({ eval: rows, step: trainer.step, time: new Date().toISOString() })}\n`);
}

/** The model file a run started from: --init, or the one its checkpoint recorded. */
function initOf(ctx: CommandContext, extra: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const recorded = extra?.['init'];
  return ctx.option('init') ?? (typeof recorded === 'string' ? recorded : undefined);
}

/** Parses `--lr-multipliers` (a JSON object of parameter-name prefix -> positive factor). */
function multipliersOption(ctx: CommandContext): { learningRateMultipliers?: Record<string, number> } {
  const text = ctx.option('lr-multipliers');
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`--lr-multipliers is not JSON: ${text}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`--lr-multipliers must be a JSON object of prefix -> factor, found ${text}`);
  }
  const out: Record<string, number> = {};
  for (const [prefix, factor] of Object.entries(value)) {
    if (typeof factor !== 'number' || !(factor >= 0) || !Number.isFinite(factor)) {
      throw new InvalidArgumentError(`--lr-multipliers: the factor of "${prefix}" must be a finite number >= 0, found ${JSON.stringify(factor)}`);
    }
    out[prefix] = factor;
  }
  return { learningRateMultipliers: out };
}

/** `1h02m`, `4m05s`, `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
