import { InvalidArgumentError, ModelMismatchError } from '@ncomp/core';
import { Lpips, type LpipsNet } from '@ncomp/losses';
import {
  EgicCodec,
  EgicTrainer,
  GanTrainer,
  MricCodec,
  MricTrainer,
  RandomCropSampler,
  egicDiscriminator,
  hificDiscriminator,
  loadModelFile,
  modelEntry,
  mricDiscriminator,
  readGanCheckpoint,
  restoreGanTrainer,
  saveModelFile,
  writeGanCheckpoint,
  type BatchSource,
  type EgicConfig,
  type ConditionalDiscriminator,
  type GanCheckpoint,
  type GanCheckpointTrainer,
  type GanTrainOptions,
  type GanTrainerBaseOptions,
  type MricTrainOptions,
  type HificConfig,
  type ImageCodec,
  type LoadedModel,
  type MricConfig,
  type ModelConfig,
} from '@ncomp/models';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CommandContext } from './context.js';
import { lpipsNetOf } from './lpips-option.js';
import { configJson, loadFolderImages, numberOption } from './train-options.js';
import { runTrainingLoop } from './training-loop.js';

/** The GAN trainers' shared options plus their loss weights (each trainer checks its own). */
type GanOptions = GanTrainerBaseOptions & { readonly loss?: Readonly<Record<string, number>> };

/** The report fields every GAN trainer's step has. */
interface GanReport {
  readonly step: number;
  readonly loss: number;
  readonly bpp: number;
  readonly psnr: number;
  readonly lpips: number | null;
  readonly gLoss: number | null;
  readonly dLoss: number | null;
  readonly dReal: number | null;
  readonly dFake: number | null;
  readonly learningRate: number;
}

/** What the command needs of a GAN trainer. */
interface AnyGanTrainer extends GanCheckpointTrainer<GanOptions> {
  trainStep(): GanReport;
  dispose(): void;
}

/** How one GAN-trained model is trained. */
interface GanModelKind {
  /** Its discriminator. */
  discriminator(config: ModelConfig): ConditionalDiscriminator;
  /** Its trainer. */
  trainer(codec: ImageCodec, discriminator: ConditionalDiscriminator | undefined, lpips: Lpips | null, source: BatchSource, options: GanOptions): AnyGanTrainer;
  /** What `--loss` sets, for messages. */
  readonly lossFields: string;
  /** Its stages (2 for HiFiC and MRIC; 3 for EGIC-ORP, whose stage 3 trains the ORP head alone). */
  readonly stages: 2 | 3;
  /** Whether a stage uses LPIPS (and so needs --lpips). */
  usesLpips(stage: number): boolean;
}

/** The models `ncomp train` trains with a GAN, by registry name. */
export const GAN_MODELS: Readonly<Record<string, GanModelKind>> = {
  hific: {
    discriminator: (config) => hificDiscriminator(config as HificConfig),
    trainer: (codec, discriminator, lpips, source, options) =>
      new GanTrainer({ codec, ...(discriminator ? { discriminator } : {}), lpips, source, options: options as GanTrainOptions }) as unknown as AnyGanTrainer,
    lossFields: 'C, CD, CP, lpipsWeight, target, lambdaA, lambdaB, warmupSteps, ... (HIFIC_LOSS_WEIGHTS)',
    stages: 2,
    usesLpips: () => true,
  },
  mric: {
    discriminator: (config) => mricDiscriminator(config as MricConfig),
    trainer: (codec, discriminator, lpips, source, options) => {
      if (!(codec instanceof MricCodec)) throw new ModelMismatchError('an mric run needs an MRIC codec');
      return new MricTrainer({ codec, ...(discriminator ? { discriminator } : {}), lpips, source, options: options as MricTrainOptions }) as unknown as AnyGanTrainer;
    },
    lossFields: 'mseWeight, lpipsWeight, lambda, rateWeight, betaMax (MRIC_LOSS_WEIGHTS)',
    stages: 2,
    usesLpips: () => true,
  },
  'egic-orp': {
    // Folders of images carry no semantic labels: the label-free PatchGAN (EGIC's fallback).
    discriminator: (config) => egicDiscriminator(config as EgicConfig, { labels: false }),
    trainer: (codec, discriminator, lpips, source, options) => {
      if (!(codec instanceof EgicCodec)) throw new ModelMismatchError('an egic-orp run needs an EGIC codec');
      return new EgicTrainer({ codec, ...(discriminator ? { discriminator } : {}), lpips, source, options }) as unknown as AnyGanTrainer;
    },
    lossFields: 'EGIC_LOSS_WEIGHTS',
    stages: 3,
    usesLpips: (stage) => stage !== 3,
  },
};

/** Help lines of the GAN options of `ncomp train`. */
export const TRAIN_GAN_HELP = `GAN-trained models (--model hific | mric | egic-orp), in stages, each in its own --out:
  --stage <1|2|3>         1: MSE + LPIPS + rate, no discriminator (default); 2: adds the GAN
                          term and discriminator steps, started from the stage-1 codec (--init);
                          3 (egic-orp): only the ORP head trains, on MSE, from the stage-2 codec
  --init <run|file>       stages 2 and 3: the previous stage's run folder (or a model file)
  --lpips <file|none>     LPIPS weights for the perceptual term (required; e.g.
                          ../shared/data/lpips/lpips_alex_v0.1.safetensors), or none
  --lpips-net <net>       alex | squeeze | vgg (default: from the file name)
  --loss <json>           loss weights to change, e.g. '{"lambda":0.032}' for mric
  --d-lr <rate>           discriminator learning rate (default --lr)
  (--config, --steps, --batch, --crop, --lr, --decay-start, --seed, --checkpoint-every,
   --log-every, --export, --resume, --force as above; stage 2 draws 2 x --batch crops per
   step: one half for the discriminator, one for the codec)`;

/** Whether `dir` holds a GAN-training checkpoint (checkpoint.json of kind "gan"). */
export async function isGanCheckpoint(dir: string): Promise<boolean> {
  try {
    const info = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as { kind?: string };
    return info.kind === 'gan';
  } catch {
    return false;
  }
}

/** `--lpips <file|none>` [`--lpips-net`]: the LPIPS model, or null for none. */
export async function lpipsFromOptions(ctx: CommandContext, recorded?: { file: string; net: LpipsNet } | null): Promise<{ lpips: Lpips | null; spec: { file: string; net: LpipsNet } | null }> {
  const file = ctx.option('lpips') ?? recorded?.file ?? (recorded === null ? 'none' : undefined);
  if (file === undefined) {
    throw new InvalidArgumentError('--lpips <weights file> is required for GAN-trained models (e.g. ../shared/data/lpips/lpips_alex_v0.1.safetensors); pass --lpips none to train without the perceptual term');
  }
  if (file === 'none') return { lpips: null, spec: null };
  const net = lpipsNetOf(ctx, file, ctx.option('lpips') === undefined ? recorded?.net : undefined);
  return { lpips: await Lpips.fromFile(file, net), spec: { file, net } };
}

function jsonOption(ctx: CommandContext, name: string): Record<string, number> | undefined {
  const text = ctx.option(name);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`--${name} is not JSON: ${text}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'number')) {
    throw new InvalidArgumentError(`--${name} must be a JSON object of numbers, found ${text}`);
  }
  return value as Record<string, number>;
}

/** The stage-1 codec a stage-2 run starts from: a run folder's last checkpoint or a model file. */
async function initialCodec(path: string): Promise<LoadedModel> {
  const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
  if (!isDir) return loadModelFile(path, { tablesOptional: true });
  const checkpoint: GanCheckpoint<GanOptions> = await readGanCheckpoint(path);
  // Only the codec is wanted: free the optimizer and discriminator tensors.
  const { optimizerTensors, discriminatorTensors, discriminatorOptimizerTensors } = checkpoint;
  for (const dict of [optimizerTensors, discriminatorTensors ?? {}, discriminatorOptimizerTensors ?? {}]) for (const t of Object.values(dict)) t.dispose();
  return checkpoint.loaded;
}

/**
 * `ncomp train` for GAN-trained models: stage 1 or 2 of {@link GanTrainer} (HiFiC) or
 * {@link MricTrainer} (MRIC) on random crops, resumable, with every loss term in the
 * progress lines and the log.
 * @param resume - The run's checkpoint exists and is to be continued.
 */
export async function trainGanCommand(ctx: CommandContext, out: string, resume: boolean): Promise<number> {
  let name: string;
  let config: ModelConfig;
  let codec: ImageCodec;
  let options: GanOptions;
  let checkpoint: GanCheckpoint<GanOptions> | undefined;
  let extra: Record<string, unknown>;
  if (resume) {
    checkpoint = await readGanCheckpoint<GanOptions>(out);
    ({ model: name, config } = checkpoint.info);
    codec = checkpoint.loaded.model;
    const steps = numberOption(ctx, 'steps', checkpoint.info.options.steps);
    options = { ...checkpoint.info.options, steps, ...(ctx.option('decay-start') === undefined ? {} : { decayStart: numberOption(ctx, 'decay-start', 0) }) };
    extra = { ...checkpoint.info.extra };
    ctx.log(`resuming ${name} stage ${options.stage} from step ${checkpoint.info.state.step}`);
  } else {
    for (const o of ['lambda', 'lr-multipliers', 'eval']) {
      if (ctx.option(o) !== undefined) throw new InvalidArgumentError(`--${o} is for rate-distortion training; GAN-trained models take --loss <json> (weights, λ) and report their terms while training`);
    }
    name = ctx.option('model')!;
    const entry = modelEntry(name);
    const stageText = ctx.option('stage') ?? '1';
    const stages = GAN_MODELS[name]!.stages;
    const allowed = stages === 3 ? ['1', '2', '3'] : ['1', '2'];
    if (!allowed.includes(stageText)) throw new InvalidArgumentError(`--stage must be ${allowed.join(', ').replace(/, (\d)$/, ' or $1')} for ${name}, found "${stageText}"`);
    const stage = Number(stageText) as 1 | 2 | 3;
    const initPath = ctx.option('init');
    if (stage > 1 && initPath === undefined) throw new InvalidArgumentError(`--stage ${stage} starts from the stage-${stage - 1} codec: pass --init <stage-${stage - 1} run folder or model file>`);
    if (initPath !== undefined) {
      const init = await initialCodec(initPath);
      if (init.name !== name) {
        init.model.dispose();
        throw new ModelMismatchError(`--init ${initPath} holds a ${init.name} model, not ${name}`);
      }
      if (ctx.option('config') !== undefined) ctx.log('--config ignored: the configuration comes from --init');
      config = init.config;
      codec = init.model;
      ctx.log(`starting from ${initPath}`);
    } else {
      config = entry.parseConfig(configJson(ctx));
      codec = entry.create(config);
    }
    const steps = numberOption(ctx, 'steps', 10000);
    const loss = jsonOption(ctx, 'loss');
    const dlr = ctx.option('d-lr');
    options = {
      stage,
      steps,
      batchSize: numberOption(ctx, 'batch', 8),
      learningRate: numberOption(ctx, 'lr', 1e-4),
      ...(dlr === undefined ? {} : { discriminatorLearningRate: numberOption(ctx, 'd-lr', 0) }),
      ...(ctx.option('decay-start') === undefined ? {} : { decayStart: numberOption(ctx, 'decay-start', 0) }),
      seed: numberOption(ctx, 'seed', 1),
      ...(loss ? { loss } : {}),
    };
    extra = { data: ctx.options('data'), crop: numberOption(ctx, 'crop', 256), ...(initPath === undefined ? {} : { init: initPath }) };
  }
  const kind = GAN_MODELS[name]!;
  const owned: { dispose(): void }[] = [codec];
  try {
    const { lpips, spec } = kind.usesLpips(options.stage)
      ? await lpipsFromOptions(ctx, checkpoint ? ((checkpoint.info.extra['lpips'] as { file: string; net: LpipsNet } | null | undefined) ?? null) : undefined)
      : { lpips: null, spec: null };
    if (lpips) owned.push(lpips);
    extra = { ...extra, lpips: spec, command: ctx.argv.join(' ') };
    const dataFolders = ctx.options('data').length > 0 ? ctx.options('data') : (extra['data'] as string[]);
    const crop = Number(extra['crop']);
    if (!(Number.isInteger(crop) && crop > 0 && crop % codec.padMultiple === 0)) throw new InvalidArgumentError(`--crop must be a multiple of ${codec.padMultiple} for ${name}, found ${crop}`);
    const images = await loadFolderImages(ctx, dataFolders, 'training set');
    const sampler = new RandomCropSampler(images, crop, options.seed ?? 1);
    const discriminator = options.stage === 2 ? kind.discriminator(config) : undefined;
    if (discriminator) owned.push(discriminator);
    const trainer = kind.trainer(codec, discriminator, lpips, sampler, options);
    owned.push(trainer);
    if (checkpoint) restoreGanTrainer(trainer, checkpoint);
    await mkdir(out, { recursive: true });
    const fmt = (v: number | undefined, digits: number): string => (v === undefined ? '-' : v.toFixed(digits));
    ctx.log(
      `${name} ${JSON.stringify(config)}: stage ${options.stage}, ${codec.numParameters()} codec parameters${discriminator ? `, ${discriminator.numParameters()} discriminator parameters` : ''}; ${sampler.size} images, crops ${crop}, batch ${options.batchSize}${options.stage === 2 ? ' (x2: discriminator and codec halves)' : ''}, LPIPS ${spec ? spec.net : 'off'}${options.stage === 3 ? ' (stage 3: ORP head only, MSE)' : ''}, steps ${trainer.state.step} -> ${options.steps}`,
    );
    const { interrupted } = await runTrainingLoop({
      ctx,
      startStep: trainer.state.step,
      steps: options.steps,
      logEvery: numberOption(ctx, 'log-every', 10),
      checkpointEvery: numberOption(ctx, 'checkpoint-every', 100),
      logPath: join(out, 'train-log.jsonl'),
      trainStep: () => trainer.trainStep(),
      averaged: (r) => ({ loss: r.loss, bpp: r.bpp, psnr: r.psnr, lpips: r.lpips, g: r.gLoss, d: r.dLoss, dReal: r.dReal, dFake: r.dFake }),
      describe: (m, r) =>
        [
          `loss ${fmt(m['loss'], 4)}  bpp ${fmt(m['bpp'], 3)}  PSNR ${fmt(m['psnr'], 2)} dB`,
          ...(spec ? [`LPIPS ${fmt(m['lpips'], 4)}`] : []),
          ...(options.stage === 2 ? [`G ${fmt(m['g'], 3)}  D ${fmt(m['d'], 3)}  D(x) ${fmt(m['dReal'], 2)}  D(x^) ${fmt(m['dFake'], 2)}`] : []),
          `lr ${r.learningRate.toExponential(1)}`,
        ].join('  '),
      checkpoint: async () => {
        await writeGanCheckpoint(out, trainer, name, config, extra);
      },
    });
    ctx.log(`checkpoint at step ${trainer.state.step} in ${out}`);
    const exportPath = ctx.option('export');
    if (exportPath && !interrupted) {
      codec.update();
      await saveModelFile(exportPath, codec, name, config, { overwrite: ctx.flag('force'), metadata: { 'ncomp.step': String(trainer.state.step), 'ncomp.stage': String(options.stage), 'ncomp.train_command': ctx.argv.join(' ') } });
      ctx.log(`model written to ${exportPath}`);
    }
    return interrupted ? 130 : 0;
  } finally {
    for (const o of owned.reverse()) o.dispose();
  }
}
