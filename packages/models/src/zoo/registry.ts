import { InvalidArgumentError } from '@ncomp/core';
import type { ImageCodec } from '../codec/image-codec.js';
import { parseBaselineConfig, type BaselineConfig } from './baseline-config.js';
import { blockHyperprior, bls2017, bmshj2018, mbt2018Mean } from './baselines.js';
import { HIFIC_REFERENCE_CONFIG, hific, parseHificConfig, type HificConfig } from './hific.js';
import { EGIC_REFERENCE_CONFIG, parseEgicConfig, type EgicConfig } from './egic-config.js';
import { egic } from './egic.js';
import { MRIC_REFERENCE_CONFIG, mric, parseMricConfig, type MricConfig } from './mric.js';
import { EGIC_GAN_TRAINING, HIFIC_GAN_TRAINING, MRIC_GAN_TRAINING, type GanTraining } from '../training/gan-training.js';

/**
 * The configuration of a registry model: the baselines' {@link BaselineConfig}, HiFiC's
 * {@link HificConfig}, MRIC's {@link MricConfig} or EGIC's {@link EgicConfig}.
 */
export type ModelConfig = BaselineConfig | HificConfig | MricConfig | EgicConfig;

/** A named model of the registry. */
export interface ModelEntry {
  /** Registry name, e.g. `bmshj2018`. */
  readonly name: string;
  /** One line on what it is. */
  readonly description: string;
  /** The paper it follows. */
  readonly paper: string;
  /** The paper's configuration (its lowest-rate setting). */
  readonly defaultConfig: ModelConfig;
  /** Validates a configuration (e.g. from JSON); missing fields take the defaults. */
  parseConfig(value: unknown): ModelConfig;
  /** Builds an untrained codec. */
  create(config?: ModelConfig): ImageCodec;
  /** How it trains with a GAN (its stages, discriminator and trainer); absent: rate-distortion training. */
  readonly gan?: GanTraining;
}

function entry(name: string, description: string, paper: string, defaultConfig: BaselineConfig, build: (c: BaselineConfig) => ImageCodec): ModelEntry {
  return {
    name,
    description,
    paper,
    defaultConfig,
    parseConfig: (value) => parseBaselineConfig(name, value, defaultConfig),
    create: (config) => build(parseBaselineConfig(name, config, defaultConfig)),
  };
}

const hificEntry: ModelEntry = {
  name: 'hific',
  description: 'HiFiC: ChannelNorm encoder, mean-scale hyperprior, residual generator (GAN-trained with GanTrainer)',
  paper: 'Mentzer, Toderici, Tschannen & Agustsson, High-fidelity generative image compression, NeurIPS 2020',
  defaultConfig: HIFIC_REFERENCE_CONFIG,
  parseConfig: (value) => parseHificConfig(value),
  create: (config) => hific(parseHificConfig(config)),
  gan: HIFIC_GAN_TRAINING,
};

const mricEntry: ModelEntry = {
  name: 'mric',
  description:
    'MRIC: ELIC analysis, ChARM entropy model (slices + LRP), beta-conditional ELIC synthesis; beta picked at decode time (GAN-trained with MricTrainer)',
  paper: 'Agustsson, Minnen, Toderici & Mentzer, Multi-realism image compression with a conditional generator, CVPR 2023',
  defaultConfig: MRIC_REFERENCE_CONFIG,
  parseConfig: (value) => parseMricConfig(value),
  create: (config) => mric(parseMricConfig(config)),
  gan: MRIC_GAN_TRAINING,
};

const egicEntry: ModelEntry = {
  name: 'egic-orp',
  description:
    'EGIC with output residual prediction: SwinT-ChARM (Swin transforms, ChARM without LRP) and an MSE head; alpha picked at decode time (GAN-trained with EgicTrainer)',
  paper:
    'Körber, Kromer, Siebert, Hauke, Mueller-Gritschneder & Schuller, EGIC: enhanced low-bit-rate generative image compression guided by semantic segmentation, ECCV 2024',
  defaultConfig: EGIC_REFERENCE_CONFIG,
  parseConfig: (value) => parseEgicConfig(value),
  create: (config) => egic(parseEgicConfig(config)),
  gan: EGIC_GAN_TRAINING,
};

/** The models `ncomp` and {@link createModel} know, by name. */
export const MODELS: ReadonlyMap<string, ModelEntry> = new Map(
  [
    entry(
      'bls2017',
      'factorized prior, GDN (9x9/4, 5x5/2, 5x5/2)',
      'Ballé, Laparra & Simoncelli, End-to-end optimized image compression, ICLR 2017',
      { N: 128, M: 128 },
      bls2017,
    ),
    entry(
      'bmshj2018',
      'scale hyperprior, GDN',
      'Ballé, Minnen, Singh, Hwang & Johnston, Variational image compression with a scale hyperprior, ICLR 2018',
      { N: 128, M: 192 },
      bmshj2018,
    ),
    entry(
      'block-hyperprior',
      'learned 8x8 block transform (DCT-initialised) + post-filter, mean-scale hyperprior, variable rate; trains on a CPU',
      'ncomp; transform initialised as JPEG (ITU-T T.81), entropy model of Minnen, Ballé & Toderici 2018, gain units of Cui et al. 2021',
      { N: 64, M: 192, lambdas: [0.0025, 0.0079, 0.025, 0.08], prior: 'laplace' },
      blockHyperprior,
    ),
    entry(
      'mbt2018-mean',
      'mean-scale hyperprior, GDN',
      'Minnen, Ballé & Toderici, Joint autoregressive and hierarchical priors for learned image compression, NeurIPS 2018 (without context model)',
      { N: 128, M: 192 },
      mbt2018Mean,
    ),
    hificEntry,
    mricEntry,
    egicEntry,
  ].map((e) => [e.name, e]),
);

/**
 * Looks up a model by name.
 * @throws InvalidArgumentError listing the known names.
 */
export function modelEntry(name: string): ModelEntry {
  const e = MODELS.get(name);
  if (!e) throw new InvalidArgumentError(`unknown model "${name}"; known models: ${[...MODELS.keys()].join(', ')}`);
  return e;
}

/**
 * Builds an untrained codec by registry name (see {@link MODELS}).
 *
 * Its entropy models build their integer tables in their constructors, with synchronous
 * reads: on webgpu, call it inside `onReadableBackend` (`@ncomp/core`), which builds on the
 * CPU backend; the model's tensors move to the GPU the first time an operation there uses them.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { setBackend } from '@ncomp/core';
 * import { MODELS, createModel } from '@ncomp/models';
 *
 * await setBackend('auto');
 * assert.ok(MODELS.has('bmshj2018'));
 * console.log([...MODELS.values()].map((m) => `${m.name}: ${m.paper}`).join('\n'));
 * const codec = createModel('bmshj2018', { N: 8, M: 12 }); // the paper's uses N 128, M 192
 * assert.equal(codec.padMultiple, 64); // g_a downsamples by 16, h_a by 4 more
 * codec.dispose();
 * ```
 */
export function createModel(name: string, config?: ModelConfig): ImageCodec {
  return modelEntry(name).create(config);
}
