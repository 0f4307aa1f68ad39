import { InvalidArgumentError, Module, ShapeError } from '@ncomp/core';
import {
  CharmTransforms,
  ConditionalElicSynthesis,
  ConditioningMlp,
  Conv2d,
  ConvTranspose2d,
  ElicAnalysis,
  Sequential,
  fourierFeatures,
  relu,
} from '@ncomp/layers';
import { PatchGanDiscriminator } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { ControlledSynthesis, DecodeControl } from '../codec/decode-control.js';
import { ImageCodec, type CodecForward, type ForwardOptions } from '../codec/image-codec.js';
import { CharmLatentCodec } from '../latent-codecs/charm-latent-codec.js';

/**
 * Configuration of the `mric` model (Agustsson, Minnen, Toderici & Mentzer 2023,
 * "Multi-realism image compression with a conditional generator"; the Nikolai10/MRIC
 * reimplementation, recorded in `shared/reference/ARCHITECTURES.md`, section MRIC). See
 * {@link MRIC_REFERENCE_CONFIG} for the reference values and {@link MRIC_SMALL_CONFIG} for
 * a configuration that trains on a CPU.
 */
export interface MricConfig {
  /** Width c of the ELIC transforms: g_a's first three convolutions and g_s's first three transposed convolutions (256). */
  readonly channels: number;
  /** Channels M of the latent y (320); a multiple of `numSlices`. */
  readonly latentChannels: number;
  /** (Conditional) residual blocks after each of the first three (transposed) convolutions of g_a and g_s (3). */
  readonly residualBlocks: number;
  /** Filters of h_a's 3x3 and 5x5/2 hidden convolutions ([320, 256]). */
  readonly hyperAnalysisChannels: readonly [number, number];
  /** Channels of the hyper-latent z, h_a's last (bias-free) 5x5/2 convolution (192). */
  readonly hyperLatentChannels: number;
  /** Filters of h_s's two 5x5/2 transposed convolutions ([192, 256]); its last 3x3 convolution gives 2M features. */
  readonly hyperSynthesisChannels: readonly [number, number];
  /** Number of ChARM slices (10). */
  readonly numSlices: number;
  /** Previously decoded slices a slice is conditioned on, -1 for all (10, i.e. all of 10). */
  readonly maxSupportSlices: number;
  /** Hidden widths of every ChARM slice transform, mean, scale and LRP ([224, 128]). */
  readonly sliceHiddenChannels: readonly number[];
  /** Width of the beta-conditioning MLP and of the features f every conditional residual block reads (512). */
  readonly conditioningChannels: number;
  /** Frequencies L of beta's Fourier features, 1 + 2L inputs of the MLP (10). */
  readonly fourierFrequencies: number;
  /**
   * Widths of the PatchGAN discriminator's 4x4 body convolutions (`[64, 128, 256, 512]`, HiFiC's).
   * Only GAN training builds the discriminator ({@link mricDiscriminator}).
   */
  readonly discriminatorChannels: readonly number[];
}

/**
 * MRIC at the reference configuration (Nikolai10/MRIC `amtm2023.py`, recorded in
 * `shared/reference/ARCHITECTURES.md`): ELIC transforms of width 256 with 3 residual blocks
 * per stage, latent 320 at H/16; h_a 320, 256 -> z 192 at H/64; h_s 192, 256 -> 640; ChARM
 * with 10 slices of 32, all previous slices as support, slice transforms 224, 128; a
 * 512-wide beta MLP on 21 Fourier features; HiFiC's PatchGAN.
 */
export const MRIC_REFERENCE_CONFIG: MricConfig = Object.freeze({
  channels: 256,
  latentChannels: 320,
  residualBlocks: 3,
  hyperAnalysisChannels: Object.freeze([320, 256]) as readonly [number, number],
  hyperLatentChannels: 192,
  hyperSynthesisChannels: Object.freeze([192, 256]) as readonly [number, number],
  numSlices: 10,
  maxSupportSlices: 10,
  sliceHiddenChannels: Object.freeze([224, 128]),
  conditioningChannels: 512,
  fourierFrequencies: 10,
  discriminatorChannels: Object.freeze([64, 128, 256, 512]),
});

/**
 * A small MRIC for tests and CPU demos: the same layers at width 8 with one residual block
 * per stage, latent 16 in 4 slices of 4, an 8-filter hyperprior, slice transforms 8, 8, a
 * 16-wide beta MLP and a PatchGAN of widths 8, 16, 16.
 */
export const MRIC_SMALL_CONFIG: MricConfig = Object.freeze({
  channels: 8,
  latentChannels: 16,
  residualBlocks: 1,
  hyperAnalysisChannels: Object.freeze([8, 8]) as readonly [number, number],
  hyperLatentChannels: 8,
  hyperSynthesisChannels: Object.freeze([8, 8]) as readonly [number, number],
  numSlices: 4,
  maxSupportSlices: -1,
  sliceHiddenChannels: Object.freeze([8, 8]),
  conditioningChannels: 16,
  fourierFrequencies: 10,
  discriminatorChannels: Object.freeze([8, 16, 16]),
});

const MRIC_KEYS = [
  'channels',
  'latentChannels',
  'residualBlocks',
  'hyperAnalysisChannels',
  'hyperLatentChannels',
  'hyperSynthesisChannels',
  'numSlices',
  'maxSupportSlices',
  'sliceHiddenChannels',
  'conditioningChannels',
  'fourierFrequencies',
  'discriminatorChannels',
] as const;

/** Whether a configuration is a {@link MricConfig} (has MRIC's ChARM and conditioning fields). */
export function isMricConfig(config: unknown): config is MricConfig {
  return typeof config === 'object' && config !== null && 'numSlices' in config && 'conditioningChannels' in config;
}

/**
 * Validates an MRIC configuration read from JSON or a command line; missing fields take
 * the values of `defaults`.
 * @param value - The configuration object (or undefined for `defaults`).
 * @param defaults - Values of missing fields; default {@link MRIC_REFERENCE_CONFIG}.
 * @throws InvalidArgumentError naming the bad or unknown field.
 */
export function parseMricConfig(value: unknown, defaults: MricConfig = MRIC_REFERENCE_CONFIG): MricConfig {
  if (value === undefined) return defaults;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`mric: config must be an object like ${JSON.stringify(MRIC_SMALL_CONFIG)}, found ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!(MRIC_KEYS as readonly string[]).includes(key)) throw new InvalidArgumentError(`mric: unknown config field "${key}" (known: ${MRIC_KEYS.join(', ')})`);
  }
  const isInt = (x: unknown, min: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= 4096;
  const int = (
    key:
      | 'channels'
      | 'latentChannels'
      | 'residualBlocks'
      | 'hyperLatentChannels'
      | 'numSlices'
      | 'maxSupportSlices'
      | 'conditioningChannels'
      | 'fourierFrequencies',
    min: number,
  ): number => {
    const x = v[key] ?? defaults[key];
    if (!isInt(x, min)) throw new InvalidArgumentError(`mric: ${key} must be an integer in ${min}..4096, found ${JSON.stringify(x)}`);
    return x;
  };
  const list = (key: 'hyperAnalysisChannels' | 'hyperSynthesisChannels' | 'sliceHiddenChannels' | 'discriminatorChannels', length?: number): number[] => {
    const x = v[key] ?? defaults[key];
    if (!Array.isArray(x) || x.length === 0 || (length !== undefined && x.length !== length) || x.some((c) => !isInt(c, 1))) {
      throw new InvalidArgumentError(`mric: ${key} must be a list of ${length ?? 'one or more'} integers in 1..4096, found ${JSON.stringify(x)}`);
    }
    return [...(x as number[])];
  };
  const config: MricConfig = {
    channels: int('channels', 2),
    latentChannels: int('latentChannels', 2),
    residualBlocks: int('residualBlocks', 0),
    hyperAnalysisChannels: list('hyperAnalysisChannels', 2) as [number, number],
    hyperLatentChannels: int('hyperLatentChannels', 1),
    hyperSynthesisChannels: list('hyperSynthesisChannels', 2) as [number, number],
    numSlices: int('numSlices', 1),
    maxSupportSlices: int('maxSupportSlices', -1),
    sliceHiddenChannels: list('sliceHiddenChannels'),
    conditioningChannels: int('conditioningChannels', 1),
    fourierFrequencies: int('fourierFrequencies', 0),
    discriminatorChannels: list('discriminatorChannels'),
  };
  if (config.latentChannels % config.numSlices !== 0) {
    throw new InvalidArgumentError(`mric: numSlices (${config.numSlices}) must divide latentChannels (${config.latentChannels})`);
  }
  return config;
}

/**
 * A realism weight beta per image: one number for every image, one per image, or a
 * float32 tensor [N]. MRIC trains on beta in [0, 5.12] and decodes with beta in [0, 2.56]:
 * 0 is the distortion-oriented reconstruction, larger values more realistic ones.
 */
export type Beta = number | readonly number[] | tf.Tensor1D;

/** The largest beta MRIC trains with (its training draws beta ~ U(0, 5.12)). */
export const MRIC_MAX_BETA = 5.12;

/**
 * Checks beta (finite and in [0, {@link MRIC_MAX_BETA}]) for a batch of `n` images and
 * returns it as a new tensor [n].
 * @throws InvalidArgumentError for values outside the range; ShapeError for another count.
 */
export function betaTensor(beta: Beta, n: number): tf.Tensor1D {
  if (beta instanceof tf.Tensor) {
    if (beta.rank !== 1 || beta.dtype !== 'float32') throw new ShapeError(`beta must be a float32 tensor [N], found ${beta.dtype} [${beta.shape.join(', ')}]`);
    const values = Array.from(beta.dataSync());
    return betaTensor(values, n);
  }
  const values = typeof beta === 'number' ? new Array<number>(n).fill(beta) : [...beta];
  if (values.length !== n) throw new ShapeError(`expected one beta per image (${n}), found ${values.length}`);
  for (const b of values) {
    if (typeof b !== 'number' || !(b >= 0 && b <= MRIC_MAX_BETA))
      throw new InvalidArgumentError(`beta must be a number in [0, ${MRIC_MAX_BETA}] (MRIC's training range), found ${String(b)}`);
  }
  return tf.tensor1d(values, 'float32');
}

/**
 * MRIC's analysis g_a: {@link ElicAnalysis} on pixel values in [0, 255], as the reference
 * feeds it (this codec's images are in [0, 1], so the input is multiplied by 255 first).
 *
 * Shapes: [N, H, W, 3] in [0, 1] -> [N, H/16, W/16, latentChannels].
 * Variables: `transform` (the ELIC analysis).
 */
export class MricAnalysis extends Module {
  /** The ELIC analysis transform. */
  readonly transform: ElicAnalysis;

  /**
   * @param channels - Width c of the first three convolutions.
   * @param latentChannels - Channels of the latent.
   * @param residualBlocks - Residual blocks per stage.
   */
  constructor(channels: number, latentChannels: number, residualBlocks: number) {
    super();
    this.transform = this.addModule(
      'transform',
      new ElicAnalysis({ channels: [channels, channels, channels, latentChannels], numResidualBlocks: residualBlocks }),
    );
  }

  /**
   * @param x - Images [N, H, W, 3] in [0, 1].
   * @returns The latent y.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => this.transform.call(tf.mul(x, 255)));
  }
}

/** What {@link MricSynthesis.conditioningActivity} measures. */
export interface ConditioningActivity {
  /** Units of f (`conditioningChannels`). */
  readonly units: number;
  /** Units above 0 for at least one β sampled. */
  readonly alive: number;
  /** The largest change of one unit over the β sampled (max - min). */
  readonly range: number;
  /** Frobenius norm of all the residual blocks' projections of f (0: β shifts nothing). */
  readonly projectionNorm: number;
}

/**
 * MRIC's beta-conditional synthesis g_s(ŷ, beta): f = MLP(fourierFeatures(beta)) (Dense ->
 * ReLU -> Dense -> ReLU, {@link ConditioningMlp}) drives every conditional residual block of
 * {@link ConditionalElicSynthesis}. The reference multiplies the output by 255 to get pixel
 * values; here the output is the image in [0, 1] directly (the same network).
 *
 * Shapes: ŷ [N, h, w, latentChannels], beta per image -> [N, 16h, 16w, 3].
 * Variables: `conditioning` (the MLP), `transform` (the synthesis).
 */
export class MricSynthesis extends Module {
  /** The beta MLP. */
  readonly conditioning: ConditioningMlp;
  /** The conditional ELIC synthesis. */
  readonly transform: ConditionalElicSynthesis;
  /** Fourier frequencies of beta's embedding. */
  readonly fourierFrequencies: number;

  /**
   * @param config - Widths: `channels`, `latentChannels`, `residualBlocks`,
   *   `conditioningChannels`, `fourierFrequencies`.
   */
  constructor(config: Pick<MricConfig, 'channels' | 'latentChannels' | 'residualBlocks' | 'conditioningChannels' | 'fourierFrequencies'>) {
    super();
    const c = config.channels;
    this.fourierFrequencies = config.fourierFrequencies;
    this.conditioning = this.addModule(
      'conditioning',
      new ConditioningMlp({ inputFeatures: 1 + 2 * config.fourierFrequencies, features: config.conditioningChannels }),
    );
    this.transform = this.addModule(
      'transform',
      new ConditionalElicSynthesis({
        latentChannels: config.latentChannels,
        channels: [c, c, c, 3],
        numResidualBlocks: config.residualBlocks,
        featureChannels: config.conditioningChannels,
      }),
    );
  }

  /** The conditioning features f [N, conditioningChannels] of a beta per image. */
  features(beta: Beta, n: number): tf.Tensor2D {
    const b = betaTensor(beta, n);
    try {
      return tf.tidy(() => this.conditioning.call(fourierFeatures(b, this.fourierFrequencies)));
    } finally {
      b.dispose();
    }
  }

  /**
   * How much of β's path to the pixels is alive: f over `samples` values of β evenly spaced
   * in [0, betaMax], and the size of the shifts the residual blocks add from it. f ends in
   * a ReLU, so a unit that is 0 for every β gets no gradient and stays dead; when every unit
   * is dead or constant, or the projections are 0, β changes nothing (the failure of
   * mric-small's first stage 1). `ncomp train` prints it on MRIC's progress lines.
   * @param betaMax - The largest β (default 5.12, the training range).
   * @param samples - Values of β (default 65, at least 2).
   * @returns The activity (numbers, read asynchronously).
   */
  async conditioningActivity(betaMax = 5.12, samples = 65): Promise<ConditioningActivity> {
    if (!(Number.isInteger(samples) && samples >= 2 && betaMax > 0))
      throw new InvalidArgumentError(`conditioningActivity: samples must be an integer >= 2 and betaMax > 0, found ${samples}, ${betaMax}`);
    const betas = Array.from({ length: samples }, (_, i) => (i * betaMax) / (samples - 1));
    const projections = [...this.transform.namedVariables()].filter(([n]) => /(^|\.)proj\d+\.kernel$/.test(n)).map(([, v]) => v);
    const [f, norm] = tf.tidy(() => [
      this.features(betas, samples),
      projections.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(projections.map((p) => tf.sum(tf.square(p))))),
    ]);
    try {
      const [rows, [projectionNorm]] = await Promise.all([f.array(), norm.data()]);
      const units = f.shape[1];
      let alive = 0;
      let range = 0;
      for (let j = 0; j < units; j++) {
        const column = rows.map((r) => r[j]!);
        if (column.some((v) => v > 0)) alive += 1;
        range = Math.max(range, Math.max(...column) - Math.min(...column));
      }
      return { units, alive, range, projectionNorm: projectionNorm! };
    } finally {
      tf.dispose([f, norm]);
    }
  }

  /**
   * @param y - The quantized latent [N, h, w, latentChannels].
   * @param beta - The realism weight per image; default 0 (the distortion-oriented output).
   * @returns The image [N, 16h, 16w, 3] (unclipped).
   * @throws InvalidArgumentError or ShapeError for a bad beta.
   */
  call(y: tf.Tensor, beta: Beta = 0): tf.Tensor4D {
    const f = this.features(beta, y.shape[0]!);
    try {
      return this.transform.call(y, f);
    } finally {
      f.dispose();
    }
  }
}

/** Options of {@link MricCodec.forward}: {@link ForwardOptions} and beta. */
export interface MricForwardOptions extends ForwardOptions {
  /** Realism weight per image; default 0. */
  readonly beta?: Beta;
}

/** The tensors of {@link MricCodec.trainingForward}. */
export interface MricTrainingForward {
  /** Reconstruction [N, H, W, 3] (unclipped). */
  readonly xHat: tf.Tensor4D;
  /** The latent the synthesis saw [N, h, w, M] (rounded slices after LRP, straight-through). */
  readonly yHat: tf.Tensor4D;
  /** Mean bits per pixel of the noisy latents (differentiable). */
  readonly bpp: tf.Scalar;
}

/** Options of {@link MricCodec}. */
export interface MricCodecOptions {
  /** g_a. */
  readonly analysis: MricAnalysis;
  /** The beta-conditional g_s. */
  readonly synthesis: MricSynthesis;
  /** The ChARM latent codec. */
  readonly latentCodec: CharmLatentCodec;
  /** Downsampling factor of `analysis` (16). */
  readonly downsampling: number;
}

/**
 * An {@link ImageCodec} whose synthesis takes MRIC's realism weight beta. The bitstream
 * never depends on beta: `compress` is the plain codec's (analysis, ChARM), and the receiver
 * picks beta when decoding, `decompress(image, beta)`, beta = 0 giving the
 * distortion-oriented reconstruction and larger values (up to 2.56 at inference) more
 * realistic ones, all from the same bytes. `forward` takes beta per image for training and
 * evaluation. Everything written for an ImageCodec (registry, model files, `compress`,
 * the container, `decompress(image)` with beta = 0, {@link RdTrainer}'s beta-0 training)
 * works unchanged.
 */
export class MricCodec extends ImageCodec {
  /** The beta-conditional synthesis (the same module as `synthesis`). */
  readonly conditionalSynthesis: MricSynthesis;

  /** @param options - See {@link MricCodecOptions}. */
  constructor(options: MricCodecOptions) {
    super(options);
    this.conditionalSynthesis = options.synthesis;
  }

  /**
   * Training / evaluation pass (see {@link ImageCodec.forward}) with the synthesis
   * conditioned on `options.beta` (default 0).
   * @throws InvalidArgumentError or ShapeError for a bad beta.
   */
  override forward(x: tf.Tensor4D, options: MricForwardOptions = {}): CodecForward {
    const f = this.conditionalSynthesis.features(options.beta ?? 0, x.shape[0]);
    try {
      return this.forwardWith(x, options, (y) => this.conditionalSynthesis.transform.call(y, f));
    } finally {
      f.dispose();
    }
  }

  /**
   * The training pass a GAN needs: y = g_a(x); the ChARM codec in training mode (noisy
   * rate, rounded slices for the synthesis); x̂ = g_s(ŷ, beta).
   * @param x - Images [N, H, W, 3] in [0, 1], sizes multiples of `padMultiple`.
   * @param beta - Realism weight per image.
   */
  trainingForward(x: tf.Tensor4D, beta: Beta): MricTrainingForward {
    const [, h, w] = x.shape;
    const m = this.padMultiple;
    if (x.rank !== 4 || x.shape[3] !== 3 || h % m !== 0 || w % m !== 0) {
      throw new ShapeError(`training images must be [N, H, W, 3] with H and W multiples of ${m}, found [${x.shape.join(', ')}]`);
    }
    const f = this.conditionalSynthesis.features(beta, x.shape[0]);
    try {
      return tf.tidy(() => {
        const y = this.analysis.call(x) as tf.Tensor4D;
        const { yHat, bits } = this.latentCodec.forward(y, true);
        const xHat = this.conditionalSynthesis.transform.call(yHat, f);
        return { xHat, yHat, bpp: tf.div(tf.mean(bits), h * w) as tf.Scalar };
      });
    } finally {
      f.dispose();
    }
  }

  /**
   * beta, MRIC's realism weight, chosen by the receiver: `decompress(image, beta)` with beta
   * = 0 (the default) giving the distortion-oriented reconstruction and larger values more
   * realistic ones from the same bytes. Accepted range [0, 5.12] (the training range); the
   * reference's inference range and the default sweep are [0, 2.56].
   */
  override get decodeControl(): DecodeControl {
    return MRIC_BETA_CONTROL;
  }

  /** g_s(·, beta) (see {@link ImageCodec.decompressAt}). */
  protected override controlledSynthesis(beta: number | undefined): ControlledSynthesis {
    const f = this.conditionalSynthesis.features(beta ?? 0, 1);
    return { synthesize: (y) => this.conditionalSynthesis.transform.call(y, f), dispose: () => f.dispose() };
  }
}

/** MRIC's decode-time control: the realism weight beta (see {@link MricCodec.decodeControl}). */
export const MRIC_BETA_CONTROL: DecodeControl = Object.freeze({
  name: 'beta',
  min: 0,
  max: MRIC_MAX_BETA,
  defaultValue: 0,
  sweep: Object.freeze([0, 0.32, 0.64, 1.28, 2.56]),
  description: 'realism weight: 0 = distortion-oriented (PSNR), larger = more realistic texture',
});

/**
 * `mric`: MRIC (Agustsson et al. 2023; the Nikolai10/MRIC reimplementation, summarised in
 * `shared/reference/ARCHITECTURES.md`, section MRIC): {@link MricAnalysis} (ELIC on
 * [0, 255] input, latent at H/16), the ChARM entropy model ({@link CharmLatentCodec}: h_a =
 * conv 3x3 ReLU -> 5x5/2 ReLU -> 5x5/2 (no bias); z with a factorized prior; h_s =
 * tconv 5x5/2 ReLU -> tconv 5x5/2 ReLU -> conv 3x3 (2M) ReLU split into mean and scale
 * features, slice i seeing its own block of each, as the reimplementation; mean, scale and
 * LRP transforms per slice) and {@link MricSynthesis} (beta-conditional ELIC synthesis).
 * `compress` pads by edge replication to a multiple of 64 (the reference reflect-pads to
 * 256).
 *
 * Train it with {@link MricTrainer} (stage 1: MSE + beta-weighted LPIPS + rate; stage 2: +
 * beta-weighted GAN against {@link mricDiscriminator}).
 */
export function mric(config: MricConfig = MRIC_REFERENCE_CONFIG): MricCodec {
  const M = config.latentChannels;
  const [a0, a1] = config.hyperAnalysisChannels;
  const [s0, s1] = config.hyperSynthesisChannels;
  const Z = config.hyperLatentChannels;
  const conv = (cin: number, cout: number, k: number, s: number, useBias = true): Conv2d =>
    new Conv2d(cin, cout, k, { stride: s, padding: 'same_zeros', useBias });
  const tconv = (cin: number, cout: number): ConvTranspose2d => new ConvTranspose2d(cin, cout, 5, { stride: 2, padding: 'same_zeros' });
  const sliceChannels = M / config.numSlices;
  return new MricCodec({
    analysis: new MricAnalysis(config.channels, M, config.residualBlocks),
    synthesis: new MricSynthesis(config),
    latentCodec: new CharmLatentCodec({
      hyperChannels: Z,
      hyperAnalysis: new Sequential([conv(M, a0, 3, 1), relu, conv(a0, a1, 5, 2), relu, conv(a1, Z, 5, 2, false)]),
      hyperSynthesis: new Sequential([tconv(Z, s0), relu, tconv(s0, s1), relu, conv(s1, 2 * M, 3, 1), relu]),
      hyperDownsampling: 4,
      transforms: new CharmTransforms({
        latentChannels: M,
        numSlices: config.numSlices,
        maxSupportSlices: config.maxSupportSlices,
        hyperMeanChannels: sliceChannels,
        hyperScaleChannels: sliceChannels,
        hiddenChannels: config.sliceHiddenChannels,
      }),
      sliceHyperFeatures: true,
    }),
    downsampling: 16,
  });
}

/**
 * MRIC's discriminator for a {@link MricConfig}: HiFiC's conditional PatchGAN (spectral
 * norm, N(0, 0.02) kernels), conditioned on the stop-gradient quantized latent ŷ, not on
 * beta (see {@link PatchGanDiscriminator}).
 */
export function mricDiscriminator(config: MricConfig = MRIC_REFERENCE_CONFIG): PatchGanDiscriminator {
  return new PatchGanDiscriminator({ channels: config.discriminatorChannels, conditional: true, latentChannels: config.latentChannels, latentStride: 16 });
}
