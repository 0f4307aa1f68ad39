import { InvalidArgumentError, onReadableBackend, setBackend, type BackendChoice } from '@ncomp/core';
import {
  DataParallelRdTrainer,
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
  type ImageCodec,
  type ModelConfig,
  type RdTrainOptions,
  type RgbImage,
} from '@ncomp/models';
import { appendFile, mkdir } from 'node:fs/promises';
import { runTrainingLoop } from './training-loop.js';
import { join } from 'node:path';
import { configJson, loadFolderImages, multipliersOption, numberOption } from './train-options.js';
import { workersOption } from './workers-option.js';
import { TRAIN_GAN_HELP, ganTrainingOf, isGanCheckpoint, trainGanCommand } from './train-gan.js';
import type { CommandContext } from './context.js';

/** Help text of `ncomp train`. */
export const TRAIN_HELP = `ncomp train — train a model with the rate-distortion loss (λ·255²·MSE + bpp)

Usage: ncomp train --data <folder> [--data <folder> ...] --out <run-folder> [options]
       ncomp train --out <run-folder> --resume [--steps <n>]

  --model <name>          registry model (default mbt2018-mean; see \`ncomp models\`); hific,
                          mric and egic-orp train with a GAN (options below)
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
                          analysis., synthesis., latent_codec., gain.); with --resume,
                          replaces the run's from the next step on
  --seed <n>              seed of crops and levels (default 1)
  --workers <n|auto>      threads computing each batch's gradients (default 1); with 2 or
                          more, each thread runs wasm on one core; auto: one per core, at
                          most the batch size and 8. The same training and checkpoints; a
                          run may resume with another count
  --checkpoint-every <n>  steps between checkpoints (default 100)
  --log-every <n>         steps between progress lines (default 10)
  --eval <folder|file>    images for periodic evaluation (estimated bpp and PSNR per level)
  --eval-every <n>        steps between evaluations (default 500)
  --export <file>         write the final model file here (integer tables rebuilt)
  --resume                continue the run in --out from its last checkpoint
  --force                 replace an existing --export file
  --backend <b>           auto | tensorflow | webgpu | wasm | cpu (default auto)

${TRAIN_GAN_HELP}

Checkpoints (model, optimizer, generator states) are written atomically to --out;
after an interrupt, the same command with --resume continues exactly where the last
checkpoint left off. Progress goes to stderr and, as JSON lines, to <out>/train-log.jsonl.`;

/** `ncomp train`. */
export async function trainCommand(ctx: CommandContext): Promise<number> {
  const out = ctx.option('out');
  if (!out) throw new InvalidArgumentError('--out <run-folder> is required (checkpoints and the log go there)');
  const dataFolders = ctx.options('data');
  if (dataFolders.length === 0 && !ctx.flag('resume')) throw new InvalidArgumentError('--data <folder> is required (training images)');
  // With --workers the worker threads spread the batch over the cores: the wasm backend of
  // this thread then runs one XNNPACK thread, as each worker's does.
  const withWorkers = ctx.option('workers') !== undefined && ctx.option('workers') !== '1';
  // Training steps read asynchronously, so auto may take a hardware WebGPU adapter; the
  // data-parallel workers run wasm by design, so with --workers it stays off.
  const report = await setBackend(
    (ctx.option('backend') ?? 'auto') as BackendChoice,
    withWorkers ? { wasmThreads: 1, autoWebgpu: false } : { autoWebgpu: true },
  );
  ctx.log(`backend: ${report.chosen} (${report.reason})`);
  const resume = ctx.flag('resume');
  const existing = await hasCheckpoint(out);
  if (existing && !resume) throw new InvalidArgumentError(`${out} already holds a checkpoint; pass --resume to continue it, or choose another --out`);
  if (!existing && resume) throw new InvalidArgumentError(`--resume: no checkpoint in ${out}`);
  if (resume && ctx.option('init') !== undefined)
    throw new InvalidArgumentError('--init starts a new run; a resumed run continues from its checkpoint (drop --init)');
  if (existing ? await isGanCheckpoint(out) : ganTrainingOf(ctx.option('model') ?? '') !== undefined) {
    if (ctx.option('workers') !== undefined)
      throw new InvalidArgumentError('--workers applies to rate-distortion training; GAN training runs on one thread (drop --workers)');
    return trainGanCommand(ctx, out, existing);
  }

  let name: string;
  let config: ModelConfig;
  let model: ImageCodec;
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
    config = entry.parseConfig(configJson(ctx) ?? init?.config);
    // Construction builds integer tables with synchronous reads: on the CPU under webgpu.
    model = await onReadableBackend(() => entry.create(config));
    if (init) {
      try {
        const done = initializeFrom(model, name, config, init);
        ctx.log(
          `initialised from ${initPath}: ${done.copied} tensors${done.resampledGains ? `; gain levels mapped from λ [${(init.config as { lambdas?: number[] }).lambdas?.join(', ')}]` : ''}`,
        );
      } catch (err) {
        model.dispose();
        throw err;
      } finally {
        init.model.dispose();
      }
    }
  }
  const steps = numberOption(ctx, 'steps', checkpoint?.info.options.steps ?? 10000);
  const lambdaText = ctx.option('lambda');
  const options: RdTrainOptions = checkpoint
    ? {
        ...checkpoint.info.options,
        steps,
        decayStart: numberOption(ctx, 'decay-start', checkpoint.info.options.decayStart ?? Math.floor(0.9 * steps)),
        ...multipliersOption(ctx),
      }
    : {
        steps,
        batchSize: numberOption(ctx, 'batch', 8),
        learningRate: numberOption(ctx, 'lr', 1e-4),
        decayStart: numberOption(ctx, 'decay-start', Math.floor(0.9 * steps)),
        seed: numberOption(ctx, 'seed', 1),
        ...(lambdaText === undefined ? {} : { lambda: numberOption(ctx, 'lambda', 0) }),
        ...multipliersOption(ctx),
        ...(ctx.option('init') === undefined ? {} : { initializeFromData: false }),
      };
  const crop = checkpoint ? Number(checkpoint.info.extra['crop']) : numberOption(ctx, 'crop', 128);
  // On resume, --data (if given) replaces the folders recorded in the checkpoint (e.g. after a move).
  const trainFolders = checkpoint && dataFolders.length === 0 ? (checkpoint.info.extra['data'] as string[]) : dataFolders;
  const images = await loadFolderImages(ctx, trainFolders, 'training set');
  const evalFolder = ctx.option('eval');
  const evalImages = evalFolder ? await loadFolderImages(ctx, [evalFolder], 'evaluation set') : [];
  const sampler = new RandomCropSampler(images, crop, options.seed ?? 1);
  const trainer = new RdTrainer(model, sampler, options);
  if (checkpoint) restoreTrainer(trainer, checkpoint);
  // --workers: the same steps, the batch's gradients computed on several threads.
  const workers = workersOption(ctx, options.batchSize);
  const parallel = workers > 1 ? await DataParallelRdTrainer.start(trainer, { model: name, config }, { workers }) : undefined;
  const extra = {
    data: trainFolders,
    crop,
    command: ctx.argv.join(' '),
    ...(initOf(ctx, checkpoint?.info.extra) === undefined ? {} : { init: initOf(ctx, checkpoint?.info.extra) }),
  };
  await mkdir(out, { recursive: true });
  const logPath = join(out, 'train-log.jsonl');
  const checkpointEvery = numberOption(ctx, 'checkpoint-every', 100);
  const logEvery = numberOption(ctx, 'log-every', 10);
  const evalEvery = numberOption(ctx, 'eval-every', 500);
  ctx.log(
    `${name} ${JSON.stringify(config)}: ${model.numParameters()} parameters; ${sampler.size} images, crops ${crop}, batch ${options.batchSize}${parallel ? ` on ${workers} threads` : ''}, steps ${trainer.step} -> ${steps}`,
  );
  const { interrupted: stop } = await runTrainingLoop({
    ctx,
    startStep: trainer.step,
    steps,
    logEvery,
    checkpointEvery,
    logPath,
    trainStep: () => (parallel ? parallel.trainStep() : trainer.trainStepAsync()),
    averaged: (r) => ({ loss: r.loss, bpp: r.bpp, psnr: r.psnr }),
    describe: (m, r) => `loss ${m['loss']!.toFixed(4)}  bpp ${m['bpp']!.toFixed(3)}  PSNR ${m['psnr']!.toFixed(2)} dB  lr ${r.learningRate.toExponential(1)}`,
    checkpoint: async () => {
      await writeCheckpoint(out, trainer, name, config, extra);
    },
    afterStep: async (r) => {
      if (evalImages.length > 0 && r.step % evalEvery === 0) await evaluate(ctx, trainer, evalImages, logPath);
    },
  }).finally(() => parallel?.dispose());
  ctx.log(`checkpoint at step ${trainer.step} in ${out}`);
  const exportPath = ctx.option('export');
  if (exportPath && !stop) {
    await model.updateAsync();
    await saveModelFile(exportPath, model, name, config, {
      overwrite: ctx.flag('force'),
      metadata: { 'ncomp.step': String(trainer.step), 'ncomp.train_command': ctx.argv.join(' ') },
    });
    ctx.log(`model written to ${exportPath}`);
  }
  model.dispose();
  return stop ? 130 : 0;
}

async function evaluate(ctx: CommandContext, trainer: RdTrainer, images: readonly RgbImage[], logPath: string): Promise<void> {
  const model = trainer.model;
  await model.updateAsync();
  const levels = model.lambdas.length > 0 ? model.lambdas.map((_, i) => i) : [undefined];
  const rows: { quality: number; bpp: number; psnr: number }[] = [];
  for (const q of levels) rows.push({ quality: q ?? 0, ...(await estimateRateDistortion(model, images, q)) });
  ctx.log(`eval at step ${trainer.step}: ${rows.map((r) => `q${r.quality} ${r.bpp.toFixed(3)} bpp ${r.psnr.toFixed(2)} dB`).join(' | ')}`);
  await appendFile(logPath, `${JSON.stringify({ eval: rows, step: trainer.step, time: new Date().toISOString() })}\n`);
}

/** The model file a run started from: --init, or the one its checkpoint recorded. */
function initOf(ctx: CommandContext, extra: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const recorded = extra?.['init'];
  return ctx.option('init') ?? (typeof recorded === 'string' ? recorded : undefined);
}
