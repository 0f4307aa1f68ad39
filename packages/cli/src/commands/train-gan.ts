import { InvalidArgumentError, ModelMismatchError, onReadableBackend } from '@ncomp/core';
import { Lpips, type LpipsNet } from '@ncomp/losses';
import {
  LabeledCropSampler,
  MODELS,
  RandomCropSampler,
  loadModelFile,
  modelEntry,
  parseGanStage,
  readGanCheckpoint,
  restoreGanTrainer,
  saveModelFile,
  writeGanCheckpoint,
  type BatchSource,
  type GanCheckpoint,
  type GanRunOptions,
  type GanTraining,
  type ImageCodec,
  type LoadedModel,
  type ModelConfig,
} from '@ncomp/models';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from './context.js';
import { lpipsNetOf } from './lpips-option.js';
import { readLabeledFolder } from './labeled-images.js';
import { configJson, loadFolderImages, multipliersOption, numberOption } from './train-options.js';
import { runTrainingLoop } from './training-loop.js';

/** Help lines of the GAN options of `ncomp train`. */
export const TRAIN_GAN_HELP = `GAN-trained models (--model hific | mric | egic-orp), in stages, each in its own --out:
  --stage <1|2|3>         1: MSE + LPIPS + rate, no discriminator (default); 2: adds the GAN
                          term and discriminator steps, started from the stage-1 codec (--init);
                          3 (egic-orp): only the ORP head trains, on MSE, from the stage-2 codec
  --init <run|file>       stages 2 and 3: the previous stage's run folder (or a model file)
  --lpips <file|none>     LPIPS weights for the perceptual term (required; e.g.
                          ../shared/data/lpips/lpips_alex_v0.1.safetensors), or none
  --lpips-net <net>       alex | squeeze | vgg (default: from the file name)
  --loss <json>           loss weights to change; unknown names are refused. hific:
                          C, CD, CP, lpipsWeight, target, lambdaA, lambdaB, warmupSteps, ...;
                          mric: mseWeight, lpipsWeight, rateWeight, lambda, betaMax;
                          egic-orp: mseWeight, lpipsWeight, lambda, ganWeight, labelMixWeight
  --labels <folder>       egic-orp stage 2: per-pixel semantic labels for EGIC's OASIS-C, one
                          8-bit grayscale PNG per training image (pixel value = class, below
                          the config's semanticClasses), same relative path and name as the
                          image in --data with .png; without it stage 2 trains against the
                          label-free PatchGAN fallback (said so in the output)
  --downscale <lo,hi|none>  random downscale of each crop's image by a factor in [lo, hi]
                          before cropping (default 0.75,0.95 for hific, as HiFiC; none otherwise)
  --lr <rate>             default: the model's (1e-4; egic-orp stage 2: 1e-5)
  --d-lr <rate>           discriminator learning rate (default --lr)
  --lr-multipliers <json> as above, for the codec's parameters (every prefix must match one this
                          stage trains); with --resume, replaces the run's from the next step on.
                          E.g. mric's β conditioning: '{"synthesis.conditioning.":10}'
  (--config, --steps, --batch, --crop, --decay-start, --seed, --checkpoint-every,
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
export async function lpipsFromOptions(
  ctx: CommandContext,
  recorded?: { file: string; net: LpipsNet } | null,
): Promise<{ lpips: Lpips | null; spec: { file: string; net: LpipsNet } | null }> {
  const file = ctx.option('lpips') ?? recorded?.file ?? (recorded === null ? 'none' : undefined);
  if (file === undefined) {
    throw new InvalidArgumentError(
      '--lpips <weights file> is required for GAN-trained models (e.g. ../shared/data/lpips/lpips_alex_v0.1.safetensors); pass --lpips none to train without the perceptual term',
    );
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
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) return loadModelFile(path, { tablesOptional: true });
  const checkpoint: GanCheckpoint<GanRunOptions> = await readGanCheckpoint(path);
  // Only the codec is wanted: free the optimizer and discriminator tensors.
  const { optimizerTensors, discriminatorTensors, discriminatorOptimizerTensors } = checkpoint;
  for (const dict of [optimizerTensors, discriminatorTensors ?? {}, discriminatorOptimizerTensors ?? {}]) for (const t of Object.values(dict)) t.dispose();
  return checkpoint.loaded;
}

/** A GAN run about to train: its model, options and what its checkpoint keeps besides. */
interface GanRun {
  readonly name: string;
  readonly training: GanTraining;
  readonly config: ModelConfig;
  readonly codec: ImageCodec;
  readonly options: GanRunOptions;
  /** The command's settings that checkpoints keep (data, crop, labels, downscale, init, LPIPS). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** The checkpoint it resumes, if any. */
  readonly checkpoint?: GanCheckpoint<GanRunOptions>;
}

/** The GAN training of a registry model (undefined: trained by rate-distortion, or unknown). */
export function ganTrainingOf(name: string): GanTraining | undefined {
  return MODELS.get(name)?.gan;
}

/** A run continued from the checkpoint in `out`; --steps, --decay-start and --lr-multipliers may change. */
async function resumedRun(ctx: CommandContext, out: string): Promise<GanRun> {
  const checkpoint = await readGanCheckpoint<GanRunOptions>(out);
  const { model: name, config } = checkpoint.info;
  const training = ganTrainingOf(name);
  if (!training) throw new ModelMismatchError(`${out} holds a GAN checkpoint of ${name}, which is not GAN-trained`);
  const steps = numberOption(ctx, 'steps', checkpoint.info.options.steps);
  const decay = ctx.option('decay-start') === undefined ? {} : { decayStart: numberOption(ctx, 'decay-start', 0) };
  const multipliers = multipliersOption(ctx);
  ctx.log(`resuming ${name} stage ${checkpoint.info.options.stage} from step ${checkpoint.info.state.step}`);
  if (multipliers.learningRateMultipliers)
    ctx.log(
      `learning-rate multipliers from now on: ${JSON.stringify(multipliers.learningRateMultipliers)} (were ${JSON.stringify(checkpoint.info.options.learningRateMultipliers ?? {})})`,
    );
  return {
    name,
    training,
    config,
    codec: checkpoint.loaded.model,
    options: { ...checkpoint.info.options, steps, ...decay, ...multipliers },
    extra: checkpoint.info.extra,
    checkpoint,
  };
}

/** A new run from the command line: a fresh codec (stage 1) or the previous stage's (--init). */
async function newRun(ctx: CommandContext): Promise<GanRun> {
  for (const o of ['lambda', 'eval']) {
    if (ctx.option(o) !== undefined)
      throw new InvalidArgumentError(
        `--${o} is for rate-distortion training; GAN-trained models take --loss <json> (weights, λ) and report their terms while training`,
      );
  }
  const name = ctx.option('model')!;
  const entry = modelEntry(name);
  const training = entry.gan;
  if (!training) throw new InvalidArgumentError(`${name} is trained by rate-distortion, not with a GAN`);
  const stage = parseGanStage(training, name, ctx.option('stage') ?? '1');
  const loss = jsonOption(ctx, 'loss');
  if (loss) training.checkLoss(loss);
  if (ctx.option('labels') !== undefined && !(stage === 2 && training.labelledDiscriminator)) {
    throw new InvalidArgumentError(`--labels feeds a discriminator that classifies pixels (egic-orp stage 2's OASIS-C); ${name} stage ${stage} has none`);
  }
  const initPath = ctx.option('init');
  if (stage > 1 && initPath === undefined)
    throw new InvalidArgumentError(`--stage ${stage} starts from the stage-${stage - 1} codec: pass --init <stage-${stage - 1} run folder or model file>`);
  let config: ModelConfig;
  let codec: ImageCodec;
  if (initPath !== undefined) {
    const init = await initialCodec(initPath);
    if (init.name !== name) {
      init.model.dispose();
      throw new ModelMismatchError(`--init ${initPath} holds a ${init.name} model, not ${name}`);
    }
    if (ctx.option('config') !== undefined) ctx.log('--config ignored: the configuration comes from --init');
    ({ config, model: codec } = init);
    ctx.log(`starting from ${initPath}`);
  } else {
    config = entry.parseConfig(configJson(ctx));
    // Construction builds integer tables with synchronous reads: on the CPU under webgpu.
    codec = await onReadableBackend(() => entry.create(config));
  }
  const options: GanRunOptions = {
    stage,
    steps: numberOption(ctx, 'steps', 10000),
    batchSize: numberOption(ctx, 'batch', 8),
    ...(ctx.option('lr') === undefined ? {} : { learningRate: numberOption(ctx, 'lr', 0) }),
    ...(ctx.option('d-lr') === undefined ? {} : { discriminatorLearningRate: numberOption(ctx, 'd-lr', 0) }),
    ...(ctx.option('decay-start') === undefined ? {} : { decayStart: numberOption(ctx, 'decay-start', 0) }),
    seed: numberOption(ctx, 'seed', 1),
    ...(loss ? { loss } : {}),
    ...multipliersOption(ctx),
  };
  const extra = {
    data: ctx.options('data'),
    crop: numberOption(ctx, 'crop', 256),
    labels: ctx.option('labels') ?? null,
    downscale: downscaleOption(ctx, name),
    ...(initPath === undefined ? {} : { init: initPath }),
  };
  return { name, training, config, codec, options, extra };
}

/** `--downscale <lo,hi|none>`; default HiFiC's 0.75-0.95 for hific, none otherwise. */
function downscaleOption(ctx: CommandContext, name: string): [number, number] | null {
  const text = ctx.option('downscale') ?? (name === 'hific' ? '0.75,0.95' : 'none');
  if (text === 'none') return null;
  const parts = text.split(',').map((p) => Number(p));
  const [lo, hi] = parts;
  if (parts.length !== 2 || !(lo! > 0 && lo! <= hi! && hi! <= 1))
    throw new InvalidArgumentError(`--downscale must be "lo,hi" with 0 < lo <= hi <= 1, or none; found "${text}"`);
  return [lo!, hi!];
}

/** The run's batches: crops of the --data images, with their label maps when the run has --labels. */
async function batchSource(ctx: CommandContext, run: GanRun, numClasses: number | undefined): Promise<BatchSource & { readonly size: number }> {
  const folders = ctx.options('data').length > 0 ? ctx.options('data') : (run.extra['data'] as string[]);
  const crop = Number(run.extra['crop']);
  const m = run.codec.padMultiple;
  if (!(Number.isInteger(crop) && crop > 0 && crop % m === 0))
    throw new InvalidArgumentError(`--crop must be a multiple of ${m} for ${run.name}, found ${crop}`);
  const downscale = (run.extra['downscale'] as [number, number] | null | undefined) ?? null;
  const options = downscale ? { scaleRange: downscale } : {};
  const seed = run.options.seed ?? 1;
  const labels = run.extra['labels'] as string | null | undefined;
  if (labels && numClasses !== undefined) {
    const pairs = await readLabeledFolder(folders, labels);
    ctx.log(`training set: ${pairs.length} images with label maps from ${folders.join(', ')} and ${labels}`);
    return new LabeledCropSampler(pairs, numClasses, crop, seed, options);
  }
  return new RandomCropSampler(await loadFolderImages(ctx, folders, 'training set'), crop, seed, options);
}

/**
 * `ncomp train` for GAN-trained models (every registry model with a {@link GanTraining}):
 * one stage of its trainer on random crops, resumable, with every loss term in the progress
 * lines and the log.
 * @param resume - The run's checkpoint exists and is to be continued.
 */
export async function trainGanCommand(ctx: CommandContext, out: string, resume: boolean): Promise<number> {
  const run = resume ? await resumedRun(ctx, out) : await newRun(ctx);
  const { name, training, config, codec, options, checkpoint } = run;
  const owned: { dispose(): void }[] = [codec];
  try {
    const recordedLpips = checkpoint ? ((checkpoint.info.extra['lpips'] as { file: string; net: LpipsNet } | null | undefined) ?? null) : undefined;
    const { lpips, spec } = training.usesLpips(options.stage) ? await lpipsFromOptions(ctx, recordedLpips) : { lpips: null, spec: null };
    if (lpips) owned.push(lpips);
    const choice = options.stage === 2 ? training.discriminator(config, typeof run.extra['labels'] === 'string') : undefined;
    if (choice) owned.push(choice.discriminator);
    const source = await batchSource(ctx, run, choice?.numClasses);
    const extra = { ...run.extra, lpips: spec, command: ctx.argv.join(' ') };
    const trainer = training.trainer({ codec, ...(choice ? { discriminator: choice.discriminator } : {}), lpips, source, options });
    owned.push(trainer);
    if (checkpoint) restoreGanTrainer(trainer, checkpoint);
    await mkdir(out, { recursive: true });
    if (choice) ctx.log(`discriminator: ${choice.description}, ${choice.discriminator.numParameters()} parameters`);
    const downscale = run.extra['downscale'] as [number, number] | null | undefined;
    ctx.log(
      `${name} ${JSON.stringify(config)}: stage ${options.stage}, ${codec.numParameters()} codec parameters; ${source.size} images, crops ${String(run.extra['crop'])}${downscale ? ` (downscaled by ${downscale.join('-')} first)` : ''}, batch ${options.batchSize}${options.stage === 2 ? ' (x2: discriminator and codec halves)' : ''}, LPIPS ${spec ? spec.net : 'off'}${options.stage === 3 ? ' (stage 3: ORP head only, MSE)' : ''}, lr ${trainer.learningRateAt(0).toExponential(1)}, steps ${trainer.state.step} -> ${options.steps}`,
    );
    const fmt = (v: number | undefined, digits: number): string => (v === undefined ? '-' : v.toFixed(digits));
    const { interrupted } = await runTrainingLoop({
      ctx,
      startStep: trainer.state.step,
      steps: options.steps,
      logEvery: numberOption(ctx, 'log-every', 10),
      checkpointEvery: numberOption(ctx, 'checkpoint-every', 100),
      logPath: join(out, 'train-log.jsonl'),
      trainStep: () => trainer.trainStepAsync(),
      averaged: (r) => ({ loss: r.loss, bpp: r.bpp, psnr: r.psnr, lpips: r.lpips, g: r.gLoss, d: r.dLoss, dReal: r.dReal, dFake: r.dFake }),
      describe: (m, r) =>
        [
          `loss ${fmt(m['loss'], 4)}  bpp ${fmt(m['bpp'], 3)}  PSNR ${fmt(m['psnr'], 2)} dB`,
          ...(spec ? [`LPIPS ${fmt(m['lpips'], 4)}`] : []),
          ...(options.stage === 2 ? [`G ${fmt(m['g'], 3)}  D ${fmt(m['d'], 3)}  D(x) ${fmt(m['dReal'], 2)}  D(x^) ${fmt(m['dFake'], 2)}`] : []),
          `lr ${r.learningRate.toExponential(1)}`,
        ].join('  '),
      ...(training.progress ? { note: () => training.progress!(codec) } : {}),
      checkpoint: async () => {
        await writeGanCheckpoint(out, trainer, name, config, extra);
      },
    });
    ctx.log(`checkpoint at step ${trainer.state.step} in ${out}`);
    const exportPath = ctx.option('export');
    if (exportPath && !interrupted) {
      await codec.updateAsync();
      await saveModelFile(exportPath, codec, name, config, {
        overwrite: ctx.flag('force'),
        metadata: { 'ncomp.step': String(trainer.state.step), 'ncomp.stage': String(options.stage), 'ncomp.train_command': ctx.argv.join(' ') },
      });
      ctx.log(`model written to ${exportPath}`);
    }
    return interrupted ? 130 : 0;
  } finally {
    for (const o of owned.reverse()) o.dispose();
  }
}
