import { InvalidArgumentError } from '@ncomp/core';

/**
 * Configuration of the `egic-orp` model (Körber et al. 2024, "EGIC: enhanced low-bit-rate
 * generative image compression guided by semantic segmentation"; Nikolai10/EGIC
 * `src/config.py`, recorded in `shared/reference/ARCHITECTURES.md`, section EGIC): the
 * SwinT-ChARM codec (Zhu, Yang & Cohen 2022) with an output-residual-prediction head. See
 * {@link EGIC_REFERENCE_CONFIG} for the reference values and {@link EGIC_SMALL_CONFIG} for a
 * configuration that trains on a CPU.
 *
 * Every transform is a patch embedding (a 2x2 stride-2 convolution; analyses only) followed
 * by Swin stages (`SwinStage` of @ncomp/layers); `*Channels[i]` and `*Depths[i]` are the width and the
 * number of blocks of stage i.
 */
export interface EgicConfig {
  /**
   * Widths of g_a's stages ([128, 192, 256, 320]). The patch embedding maps the image to
   * the first at H/2; every stage but the last ends in a patch merging to the next width
   * (H/2 -> H/16 over four stages); the last width is the latent's M.
   */
  readonly analysisChannels: readonly number[];
  /** Blocks per g_a stage ([2, 2, 6, 2]); as many entries as `analysisChannels`. */
  readonly analysisDepths: readonly number[];
  /**
   * Widths of g_s's stages ([320, 256, 192, 128]); the first is M. Every stage but the last
   * ends in a patch splitting to the next width, the last in a patch unpacking to 3
   * channels (x16 over four stages). The ORP head is a copy of the last stage.
   */
  readonly synthesisChannels: readonly number[];
  /** Blocks per g_s stage ([2, 6, 2, 2]); as many entries as `synthesisChannels`. */
  readonly synthesisDepths: readonly number[];
  /** Window size of g_a, g_s and the ORP head (8). */
  readonly windowSize: number;
  /** Channels per attention head in every stage (32); a stage of width d has floor(d / headDim) heads. */
  readonly headDim: number;
  /** Width of h_a and h_s and the channels of the hyper-latent z (192). */
  readonly hyperChannels: number;
  /** Blocks per h_a stage ([5, 1]): patch embedding M -> hyperChannels at h/2, stage, merge, stage (z at h/4). */
  readonly hyperAnalysisDepths: readonly number[];
  /** Blocks per h_s stage ([1, 5]): stage, split, stage, unpack to 2M mean and scale features; as many stages as h_a. */
  readonly hyperSynthesisDepths: readonly number[];
  /** Window size of h_a and h_s (4). */
  readonly hyperWindowSize: number;
  /** Number of ChARM slices (10); divides M. */
  readonly numSlices: number;
  /**
   * Previously decoded slices a slice is conditioned on, -1 for all (10: the released recipe's
   * `--max_support_slices 10`; the reference's argparse default is 5, as TFC's ms2020).
   */
  readonly maxSupportSlices: number;
  /**
   * Hidden widths [conv0, conv1] of slice i's mean and scale transforms (3x3 convolutions,
   * ReLU), one pair per slice: the reference's `depths_conv0` / `depths_conv1`.
   */
  readonly sliceHiddenChannels: readonly (readonly [number, number])[];
  /** Encoder widths of the OASIS-C discriminator ([128, 128, 256, 256, 512, 512]); only GAN training builds it ({@link egicDiscriminator}). */
  readonly discriminatorChannels: readonly number[];
  /** Width of OASIS-C's last decoder block and of its latent projection (64). */
  readonly discriminatorFinalChannels: number;
  /** Semantic classes N of OASIS-C (N + 1 logits per pixel; COCO panoptic: 134). */
  readonly semanticClasses: number;
  /** Widths of the PatchGAN used instead of OASIS-C when the training data has no semantic labels ([64, 128, 256, 512], HiFiC's). */
  readonly patchDiscriminatorChannels: readonly number[];
}

const freeze = <T>(xs: readonly T[]): readonly T[] => Object.freeze([...xs]);

/**
 * EGIC at the reference configuration (Nikolai10/EGIC `src/config.py`, `ConfigGa`,
 * `ConfigGs`, `ConfigHa`, `ConfigHs`, `ConfigChARM`; `kkshms2024.py` defaults):
 *
 * - g_a: conv 2x2/2 -> 128; stages 128 (2 blocks) -> merge 192, 192 (2) -> 256, 256 (6) ->
 *   320, 320 (2): latent M = 320 at H/16; window 8, head dim 32;
 * - g_s: stages 320 (2) -> split 256, 256 (6) -> 192, 192 (2) -> 128, 128 (2) -> unpack 3;
 *   the ORP head copies the last one (128, 2 blocks, unpack 3);
 * - h_a: conv 2x2/2 320 -> 192; 192 (5) -> merge 192, 192 (1): z 192 at H/64; h_s: 192 (1)
 *   -> split 192, 192 (5) -> unpack 640 (320 mean and 320 scale features); window 4;
 * - ChARM: 10 slices of 32, every earlier slice as support (the released recipe's
 *   `--max_support_slices 10`), no LRP; slice i's mean and
 *   scale transforms 3x3 conv0 -> ReLU -> 3x3 conv1 -> ReLU -> 3x3 -> 32 with conv0 widths
 *   64, 64, 85, 106, 128, 149, 170, 192, 213, 234 and conv1 widths 32, 32, 42, 53, 64, 74,
 *   85, 96, 106, 117;
 * - OASIS-C discriminator 128, 128, 256, 256, 512, 512 / 64 over 134 COCO classes (+ fake);
 *   the label-free PatchGAN 64, 128, 256, 512.
 *
 * **Size**: 32,959,012 trainable parameters (g_a 9,139,416, g_s 9,139,300, entropy model
 * 14,280,404, ORP head 399,892), equal to the reference architecture counted layer by layer;
 * Nikolai10/EGIC publishes no parameter count that we know of to compare with.
 * **Speed** on a 512x768 image, wasm backend, 2 CPU cores shared with another job
 * (`packages/models/bench/egic.bench.ts`): `forward` 45 s cold / 29 s warm, `compress`
 * 24 s, `decompress` 20 s (alpha 1) / 16 s (alpha 0); see the package README.
 */
export const EGIC_REFERENCE_CONFIG: EgicConfig = Object.freeze({
  analysisChannels: freeze([128, 192, 256, 320]),
  analysisDepths: freeze([2, 2, 6, 2]),
  synthesisChannels: freeze([320, 256, 192, 128]),
  synthesisDepths: freeze([2, 6, 2, 2]),
  windowSize: 8,
  headDim: 32,
  hyperChannels: 192,
  hyperAnalysisDepths: freeze([5, 1]),
  hyperSynthesisDepths: freeze([1, 5]),
  hyperWindowSize: 4,
  numSlices: 10,
  maxSupportSlices: 10,
  sliceHiddenChannels: freeze(
    [64, 64, 85, 106, 128, 149, 170, 192, 213, 234].map(
      (c0, i) => Object.freeze([c0, [32, 32, 42, 53, 64, 74, 85, 96, 106, 117][i]!]) as readonly [number, number],
    ),
  ),
  discriminatorChannels: freeze([128, 128, 256, 256, 512, 512]),
  discriminatorFinalChannels: 64,
  semanticClasses: 134,
  patchDiscriminatorChannels: freeze([64, 128, 256, 512]),
});

/**
 * A small EGIC for tests and CPU demos: the same structure (four g_a / g_s stages, two
 * hyper stages each, an ORP head with a shifted block) at widths 8-16, head dim 4, window 4
 * (hyper window 2), one or two blocks per stage, latent 16 in 4 slices of 4 (support 2),
 * slice widths growing 6..12, OASIS-C 8, 16 / 8 over 4 classes and a PatchGAN 8, 16, 16.
 */
export const EGIC_SMALL_CONFIG: EgicConfig = Object.freeze({
  analysisChannels: freeze([8, 8, 16, 16]),
  analysisDepths: freeze([1, 1, 2, 1]),
  synthesisChannels: freeze([16, 16, 8, 8]),
  synthesisDepths: freeze([1, 2, 1, 2]),
  windowSize: 4,
  headDim: 4,
  hyperChannels: 8,
  hyperAnalysisDepths: freeze([1, 1]),
  hyperSynthesisDepths: freeze([1, 1]),
  hyperWindowSize: 2,
  numSlices: 4,
  maxSupportSlices: 2,
  sliceHiddenChannels: freeze(
    [
      [6, 4],
      [8, 4],
      [10, 6],
      [12, 6],
    ].map((p) => Object.freeze(p) as unknown as readonly [number, number]),
  ),
  discriminatorChannels: freeze([8, 16]),
  discriminatorFinalChannels: 8,
  semanticClasses: 4,
  patchDiscriminatorChannels: freeze([8, 16, 16]),
});

const EGIC_KEYS = [
  'analysisChannels',
  'analysisDepths',
  'synthesisChannels',
  'synthesisDepths',
  'windowSize',
  'headDim',
  'hyperChannels',
  'hyperAnalysisDepths',
  'hyperSynthesisDepths',
  'hyperWindowSize',
  'numSlices',
  'maxSupportSlices',
  'sliceHiddenChannels',
  'discriminatorChannels',
  'discriminatorFinalChannels',
  'semanticClasses',
  'patchDiscriminatorChannels',
] as const;

/** Whether a configuration is an {@link EgicConfig} (has EGIC's Swin stage and ChARM fields). */
export function isEgicConfig(config: unknown): config is EgicConfig {
  return typeof config === 'object' && config !== null && 'synthesisChannels' in config && 'numSlices' in config && 'hyperWindowSize' in config;
}

/** The latent channels M of a configuration (the last g_a width). */
export function egicLatentChannels(config: EgicConfig): number {
  return config.analysisChannels[config.analysisChannels.length - 1]!;
}

/**
 * Validates an EGIC configuration read from JSON or a command line; missing fields take
 * the values of `defaults`.
 * @param value - The configuration object (or undefined for `defaults`).
 * @param defaults - Values of missing fields; default {@link EGIC_REFERENCE_CONFIG}.
 * @throws InvalidArgumentError naming the bad or unknown field, or the inconsistency
 *   (stage counts, the latent width, slices).
 */
export function parseEgicConfig(value: unknown, defaults: EgicConfig = EGIC_REFERENCE_CONFIG): EgicConfig {
  if (value === undefined) return defaults;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`egic-orp: config must be an object like ${JSON.stringify(EGIC_SMALL_CONFIG)}, found ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!(EGIC_KEYS as readonly string[]).includes(key))
      throw new InvalidArgumentError(`egic-orp: unknown config field "${key}" (known: ${EGIC_KEYS.join(', ')})`);
  }
  const isInt = (x: unknown, min: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= 4096;
  const int = (
    key: 'windowSize' | 'headDim' | 'hyperChannels' | 'hyperWindowSize' | 'numSlices' | 'maxSupportSlices' | 'discriminatorFinalChannels' | 'semanticClasses',
    min: number,
  ): number => {
    const x = v[key] ?? defaults[key];
    if (!isInt(x, min)) throw new InvalidArgumentError(`egic-orp: ${key} must be an integer in ${min}..4096, found ${JSON.stringify(x)}`);
    return x;
  };
  type ListKey =
    | 'analysisChannels'
    | 'analysisDepths'
    | 'synthesisChannels'
    | 'synthesisDepths'
    | 'hyperAnalysisDepths'
    | 'hyperSynthesisDepths'
    | 'discriminatorChannels'
    | 'patchDiscriminatorChannels';
  const list = (key: ListKey, min: number, minLength = 1): number[] => {
    const x = v[key] ?? defaults[key];
    if (!Array.isArray(x) || x.length < minLength || x.length > 16 || x.some((c) => !isInt(c, min))) {
      throw new InvalidArgumentError(`egic-orp: ${key} must be a list of ${minLength} to 16 integers in ${min}..4096, found ${JSON.stringify(x)}`);
    }
    return [...(x as number[])];
  };
  const numSlices = int('numSlices', 1);
  const slices = v['sliceHiddenChannels'] ?? defaults.sliceHiddenChannels;
  if (!Array.isArray(slices) || slices.length !== numSlices || slices.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((c) => !isInt(c, 1)))) {
    throw new InvalidArgumentError(
      `egic-orp: sliceHiddenChannels must list one [conv0, conv1] pair of widths per slice (${numSlices}), found ${JSON.stringify(slices)}`,
    );
  }
  const config: EgicConfig = {
    analysisChannels: list('analysisChannels', 1),
    analysisDepths: list('analysisDepths', 0),
    synthesisChannels: list('synthesisChannels', 1),
    synthesisDepths: list('synthesisDepths', 0),
    windowSize: int('windowSize', 1),
    headDim: int('headDim', 1),
    hyperChannels: int('hyperChannels', 1),
    hyperAnalysisDepths: list('hyperAnalysisDepths', 0),
    hyperSynthesisDepths: list('hyperSynthesisDepths', 0),
    hyperWindowSize: int('hyperWindowSize', 1),
    numSlices,
    maxSupportSlices: int('maxSupportSlices', -1),
    sliceHiddenChannels: (slices as number[][]).map((p) => [p[0]!, p[1]!] as [number, number]),
    discriminatorChannels: list('discriminatorChannels', 1, 2),
    discriminatorFinalChannels: int('discriminatorFinalChannels', 1),
    semanticClasses: int('semanticClasses', 1),
    patchDiscriminatorChannels: list('patchDiscriminatorChannels', 1),
  };
  const stages = config.analysisChannels.length;
  for (const key of ['analysisDepths', 'synthesisChannels', 'synthesisDepths'] as const) {
    if (config[key].length !== stages)
      throw new InvalidArgumentError(`egic-orp: ${key} must have one entry per g_a stage (${stages}), found ${config[key].length}`);
  }
  if (config.hyperSynthesisDepths.length !== config.hyperAnalysisDepths.length) {
    throw new InvalidArgumentError(
      `egic-orp: hyperSynthesisDepths must have as many stages as hyperAnalysisDepths (${config.hyperAnalysisDepths.length}), found ${config.hyperSynthesisDepths.length}`,
    );
  }
  const m = egicLatentChannels(config);
  if (config.synthesisChannels[0] !== m)
    throw new InvalidArgumentError(
      `egic-orp: synthesisChannels[0] (${config.synthesisChannels[0]}) must be the latent width, the last of analysisChannels (${m})`,
    );
  if (m % numSlices !== 0) throw new InvalidArgumentError(`egic-orp: numSlices (${numSlices}) must divide the latent channels (${m})`);
  const widths = [...config.analysisChannels, ...config.synthesisChannels, config.hyperChannels];
  if (Math.min(...widths) < config.headDim)
    throw new InvalidArgumentError(`egic-orp: headDim (${config.headDim}) must not exceed the narrowest stage (${Math.min(...widths)})`);
  return config;
}
