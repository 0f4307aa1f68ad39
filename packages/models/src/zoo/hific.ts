import { InvalidArgumentError, Module, concatChannels, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { Conv2d, ConvTranspose2d, HificEncoder, HificGenerator, Sequential, relu } from '@ncomp/layers';
import { PatchGanDiscriminator } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import { ImageCodec } from '../codec/image-codec.js';
import { HyperpriorLatentCodec } from '../latent-codecs/hyperprior-latent-codec.js';
import type { HyperpriorFamily } from './baseline-config.js';

/**
 * Configuration of the `hific` model (Mentzer, Toderici, Tschannen & Agustsson 2020,
 * "High-fidelity generative image compression"; TFC `models/hific/archs.py`). See
 * {@link HIFIC_REFERENCE_CONFIG} for the paper's values and {@link HIFIC_SMALL_CONFIG} for
 * a configuration that trains on a CPU.
 */
export interface HificConfig {
  /**
   * Base width b of the encoder and generator: the encoder's first convolution has b
   * filters and its four stride-2 convolutions 2b, 4b, 8b, 16b; the generator's residual
   * trunk has 16b channels. 60 in the reference.
   */
  readonly channels: number;
  /** Channels of the latent y (220 in the reference). */
  readonly latentChannels: number;
  /** Filters of h_a / h_s and channels of the hyper-latent z (320 in the reference). */
  readonly hyperChannels: number;
  /** Residual blocks of the generator (9 in the reference). */
  readonly residualBlocks: number;
  /**
   * Widths of the PatchGAN discriminator's 4x4 body convolutions (all stride 2 but the
   * last); `[64, 128, 256, 512]` in the reference. Only GAN training builds the
   * discriminator ({@link hificDiscriminator}); the codec itself does not use it.
   */
  readonly discriminatorChannels: readonly number[];
  /** Family of the conditional prior of y; absent: `normal` (HiFiC's Gaussian). */
  readonly prior?: HyperpriorFamily;
}

/**
 * HiFiC at its reference configuration (TFC `models/hific/archs.py` defaults, recorded in
 * `shared/reference/ARCHITECTURES.md`, section HiFiC): encoder 60 -> 120, 240, 480, 960 ->
 * latent 220 at H/16; hyperprior with 320 filters; generator with 9 residual blocks at 960
 * channels; PatchGAN 64, 128, 256, 512.
 */
export const HIFIC_REFERENCE_CONFIG: HificConfig = Object.freeze({
  channels: 60,
  latentChannels: 220,
  hyperChannels: 320,
  residualBlocks: 9,
  discriminatorChannels: Object.freeze([64, 128, 256, 512]),
});

/**
 * A small HiFiC for tests and CPU demos: the same layers at base width 4 (encoder 4 -> 8,
 * 16, 32, 64 -> latent 16), a 16-filter hyperprior, one residual block and a PatchGAN of
 * widths 8, 16, 16.
 */
export const HIFIC_SMALL_CONFIG: HificConfig = Object.freeze({
  channels: 4,
  latentChannels: 16,
  hyperChannels: 16,
  residualBlocks: 1,
  discriminatorChannels: Object.freeze([8, 16, 16]),
});

const HIFIC_KEYS = ['channels', 'latentChannels', 'hyperChannels', 'residualBlocks', 'discriminatorChannels', 'prior'] as const;
const FAMILIES: readonly HyperpriorFamily[] = ['normal', 'laplace', 'logistic'];

/** Whether a configuration is a {@link HificConfig} (has HiFiC's fields rather than `N` / `M`). */
export function isHificConfig(config: unknown): config is HificConfig {
  return typeof config === 'object' && config !== null && 'latentChannels' in config && 'residualBlocks' in config && 'hyperChannels' in config;
}

/**
 * Validates a HiFiC configuration read from JSON or a command line; missing fields take
 * the values of `defaults`.
 * @param value - The configuration object (or undefined for `defaults`).
 * @param defaults - Values of missing fields; default {@link HIFIC_REFERENCE_CONFIG}.
 * @throws InvalidArgumentError naming the bad or unknown field.
 */
export function parseHificConfig(value: unknown, defaults: HificConfig = HIFIC_REFERENCE_CONFIG): HificConfig {
  if (value === undefined) return defaults;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`hific: config must be an object like ${JSON.stringify(HIFIC_SMALL_CONFIG)}, found ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!(HIFIC_KEYS as readonly string[]).includes(key))
      throw new InvalidArgumentError(`hific: unknown config field "${key}" (known: ${HIFIC_KEYS.join(', ')})`);
  }
  const int = (key: 'channels' | 'latentChannels' | 'hyperChannels' | 'residualBlocks', min: number): number => {
    const x = v[key] ?? defaults[key];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > 4096) {
      throw new InvalidArgumentError(`hific: ${key} must be an integer in ${min}..4096, found ${JSON.stringify(x)}`);
    }
    return x;
  };
  const disc = v['discriminatorChannels'] ?? defaults.discriminatorChannels;
  if (!Array.isArray(disc) || disc.length === 0 || disc.some((c) => typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 4096)) {
    throw new InvalidArgumentError(`hific: discriminatorChannels must be a non-empty list of integers in 1..4096, found ${JSON.stringify(disc)}`);
  }
  const prior = v['prior'] ?? defaults.prior;
  if (prior !== undefined && !FAMILIES.includes(prior as HyperpriorFamily)) {
    throw new InvalidArgumentError(`hific: prior must be one of ${FAMILIES.join(', ')}, found ${JSON.stringify(prior)}`);
  }
  return {
    channels: int('channels', 2),
    latentChannels: int('latentChannels', 2),
    hyperChannels: int('hyperChannels', 1),
    residualBlocks: int('residualBlocks', 0),
    discriminatorChannels: [...(disc as number[])],
    ...(prior === undefined ? {} : { prior: prior as HyperpriorFamily }),
  };
}

/**
 * HiFiC's two hyper-synthesis transforms (TFC `archs.py` `Hyperprior._synthesis_scale`
 * and `_synthesis_mean`), each transposed conv 5x5/2 (hyperChannels) -> ReLU -> transposed
 * conv 5x5/2 -> ReLU -> conv 3x3 (latentChannels), `same_zeros` padding; the outputs are
 * concatenated as [scale indexes, means], the layout {@link HyperpriorLatentCodec} expects.
 * (TFC's scale branch predicts scales bounded below by 0.11; here it predicts indexes
 * into the same 64-scale table, bounded to the table, as the codec's other models do.)
 *
 * Shapes: [N, h, w, hyperChannels] -> [N, 4h, 4w, 2 latentChannels].
 * Variables: `scale.{0,2,4}` and `mean.{0,2,4}` (kernel, bias).
 */
export class HificHyperSynthesis extends Module implements ExactEvaluable {
  /** The scale-index branch. */
  readonly scale: Sequential;
  /** The mean branch. */
  readonly mean: Sequential;

  /**
   * @param hyperChannels - Channels of z and filters of the hidden layers.
   * @param latentChannels - Channels of y.
   */
  constructor(hyperChannels: number, latentChannels: number) {
    super();
    const branch = (): Sequential =>
      new Sequential([
        new ConvTranspose2d(hyperChannels, hyperChannels, 5, { stride: 2, padding: 'same_zeros' }),
        relu,
        new ConvTranspose2d(hyperChannels, hyperChannels, 5, { stride: 2, padding: 'same_zeros' }),
        relu,
        new Conv2d(hyperChannels, latentChannels, 3, { padding: 'same_zeros' }),
      ]);
    this.scale = this.addModule('scale', branch());
    this.mean = this.addModule('mean', branch());
  }

  /**
   * @param z - The (noisy or decoded) hyper-latent [N, h, w, hyperChannels].
   * @returns Scale indexes and means concatenated on channels, [N, 4h, 4w, 2 latentChannels].
   */
  call(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.concat([this.scale.call(z), this.mean.call(z)], 3));
  }

  /** The deterministic twin of {@link HificHyperSynthesis.call} (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const scale = await this.scale.exact();
    const mean = await this.mean.exact();
    return (z) => concatChannels([scale(z), mean(z)]);
  }
}

/**
 * `hific`: the codec of HiFiC (Mentzer et al. 2020; TFC `models/hific`, summarised in
 * `shared/reference/ARCHITECTURES.md`, section HiFiC): {@link HificEncoder} (ChannelNorm
 * encoder, latent at H/16), a mean-scale hyperprior (h_a = conv 3x3 ReLU -> 5x5/2 ReLU ->
 * 5x5/2 on y, a factorized prior on z, two h_s branches ({@link HificHyperSynthesis}),
 * N(mean, scale) over 64 scales log-spaced 0.11..256) and {@link HificGenerator}. As in
 * the reference, the rate is trained with uniform noise while the generator sees
 * round(y - mean) + mean with a straight-through gradient (`synthesisInput: 'rounded'`).
 * The generator's output is the image in [0, 1], unclipped in training; `decompress`
 * clips it. `compress` pads by reflection, as the reference (`padMode: 'reflect'`), to a
 * multiple of 64 (the reference pads to 16 at evaluation; the hyperprior's two extra
 * stride-2 layers need 64 here).
 *
 * Train it with {@link GanTrainer} (stage 1: MSE + LPIPS + rate; stage 2: + the
 * conditional PatchGAN of {@link hificDiscriminator}).
 */
export function hific(config: HificConfig = HIFIC_REFERENCE_CONFIG): ImageCodec {
  const { channels, latentChannels: M, hyperChannels: H, residualBlocks } = config;
  const conv = (cin: number, cout: number, k: number, s: number): Conv2d => new Conv2d(cin, cout, k, { stride: s, padding: 'same_zeros' });
  return new ImageCodec({
    analysis: new HificEncoder({ baseChannels: channels, latentChannels: M, numDown: 4 }),
    synthesis: new HificGenerator({ baseChannels: channels, latentChannels: M, numUp: 4, numResidualBlocks: residualBlocks }),
    latentCodec: new HyperpriorLatentCodec({
      latentChannels: M,
      hyperChannels: H,
      hyperAnalysis: new Sequential([conv(M, H, 3, 1), relu, conv(H, H, 5, 2), relu, conv(H, H, 5, 2)]),
      hyperSynthesis: new HificHyperSynthesis(H, M),
      hyperDownsampling: 4,
      mean: true,
      synthesisInput: 'rounded',
      ...(config.prior ? { family: config.prior } : {}),
    }),
    downsampling: 16,
    padMode: 'reflect',
  });
}

/**
 * HiFiC's conditional PatchGAN discriminator for a {@link HificConfig}: spectral norm on
 * every convolution, N(0, 0.02) kernels, conditioned on the (stop-gradient) quantized
 * latent projected to 12 channels (see {@link PatchGanDiscriminator}).
 */
export function hificDiscriminator(config: HificConfig = HIFIC_REFERENCE_CONFIG): PatchGanDiscriminator {
  return new PatchGanDiscriminator({ channels: config.discriminatorChannels, conditional: true, latentChannels: config.latentChannels, latentStride: 16 });
}
