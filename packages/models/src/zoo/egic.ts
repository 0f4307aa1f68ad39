import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { stopGradient } from '@ncomp/entropy';
import { CharmTransforms, SwinStage } from '@ncomp/layers';
import { OasisDiscriminator, PatchGanDiscriminator } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import { resolveControl, type ControlledSynthesis, type DecodeControl } from '../codec/decode-control.js';
import { ImageCodec, type CodecForward, type CompressedImage, type ForwardOptions } from '../codec/image-codec.js';
import type { ImageLimits } from '../codec/image-limits.js';
import { CharmLatentCodec } from '../latent-codecs/charm-latent-codec.js';
import { EGIC_REFERENCE_CONFIG, egicLatentChannels, type EgicConfig } from './egic-config.js';
import { SwinTransform } from './swin-transform.js';

/**
 * EGIC's decode-time control: the residual weight alpha of output residual prediction
 * (see {@link EgicCodec.decodeControl}). alpha = 1 (the default, as the reference's
 * `--alpha`) is the GAN decoder's output, alpha = 0 the ORP head's MSE-oriented
 * prediction; values in between interpolate. The default sweep is 0, 0.25, 0.5, 0.75, 1.
 */
export const EGIC_ALPHA_CONTROL: DecodeControl = Object.freeze({
  name: 'alpha',
  min: 0,
  max: 1,
  defaultValue: 1,
  sweep: Object.freeze([0, 0.25, 0.5, 0.75, 1]),
  description: 'residual weight: 1 = GAN output (realistic texture), 0 = the MSE head (PSNR), in between mixes',
});

/** Options of {@link EgicCodec.forward}: {@link ForwardOptions} and alpha. */
export interface EgicForwardOptions extends ForwardOptions {
  /** Residual weight in [0, 1]; default 1 (the GAN output). */
  readonly alpha?: number;
}

/** The tensors of {@link EgicCodec.trainingLatent}. */
export interface EgicTrainingLatent {
  /** The latent the synthesis sees [N, h, w, M] (rounded slices, straight-through). */
  readonly yHat: tf.Tensor4D;
  /** Mean bits per pixel of the noisy latents (differentiable). */
  readonly bpp: tf.Scalar;
}

/** The tensors of {@link EgicCodec.trainingForward}. */
export interface EgicTrainingForward extends EgicTrainingLatent {
  /** The GAN decoder's reconstruction [N, H, W, 3] (unclipped). */
  readonly xHat: tf.Tensor4D;
}

/** Options of {@link EgicCodec}. */
export interface EgicCodecOptions {
  /** g_a (patch embedding and Swin stages). */
  readonly analysis: SwinTransform;
  /** g_s, the GAN decoder (Swin stages, the last ending in a patch unpacking to 3 channels). */
  readonly synthesis: SwinTransform;
  /** The ORP head: a stage shaped like g_s's last one. */
  readonly orp: SwinStage;
  /** The ChARM latent codec. */
  readonly latentCodec: CharmLatentCodec;
  /** Downsampling factor of `analysis` (16). */
  readonly downsampling: number;
  /**
   * Window size of the Swin stages of g_a and g_s (in the pixels of each stage; the
   * deepest stage works at latent resolution, so its windows span this many latent
   * pixels): large images are tiled on multiples of it. Default 1.
   */
  readonly windowSize?: number;
}

/**
 * An {@link ImageCodec} with EGIC's output residual prediction (ORP; Körber et al. 2024,
 * Nikolai10/EGIC `src/archs.py` `SynthesisTransformORP`): besides the GAN decoder g_s, an
 * ORP head, a copy of g_s's last stage, predicts an MSE-oriented image from the
 * stop-gradient features f entering that last stage, and the receiver mixes the two:
 *
 *     x_gan = last_stage(f)      x_mse = orp(stop_gradient(f))
 *     x̂(alpha) = x_gan + (1 - alpha) (x_mse - x_gan)
 *
 * alpha = 1 gives exactly x_gan (the ORP head does not run) and alpha = 0 exactly x_mse (the
 * last GAN stage does not run); in between the formula above. The bitstream never depends on
 * alpha: `compress` is the plain codec's (g_a, ChARM) and `decompress(image, alpha)` picks
 * it when decoding ({@link ImageCodec.decompressAt} sweeps several from one entropy decode).
 * `synthesis` is g_s alone, so everything that knows only ImageCodec (`forward`, model files,
 * RdTrainer) sees the GAN decoder, alpha = 1. Unlike the reference, x_gan keeps its gradient
 * here (stages 1 and 2 train g_s through it); the ORP head's input is always cut from the
 * gradient, so training the head never changes anything else. Pixels are in [0, 1] (the
 * reference's /255 at the input and x255 at the output are folded in).
 */
export class EgicCodec extends ImageCodec {
  /** g_a. */
  readonly swinAnalysis: SwinTransform;
  /** g_s, the GAN decoder (the same module as `synthesis`). */
  readonly swinSynthesis: SwinTransform;
  /** The ORP head. */
  readonly orp: SwinStage;

  /**
   * @param options - See {@link EgicCodecOptions}.
   * @throws InvalidArgumentError when the ORP head is not shaped like g_s's last stage.
   */
  constructor(options: EgicCodecOptions) {
    super(options);
    const last = options.synthesis.stages[options.synthesis.stages.length - 1]!;
    const orp = options.orp;
    if (orp.dim !== last.dim || orp.outDim !== last.outDim || orp.resample !== last.resample || orp.blocks.length !== last.blocks.length) {
      throw new InvalidArgumentError(
        `EgicCodec: the ORP head (${orp.dim} -> ${orp.outDim}, ${orp.blocks.length} blocks, ${orp.resample}) must copy g_s's last stage (${last.dim} -> ${last.outDim}, ${last.blocks.length} blocks, ${last.resample})`,
      );
    }
    this.swinAnalysis = options.analysis;
    this.swinSynthesis = options.synthesis;
    this.orp = this.addModule('orp', orp);
    this.windowSize = options.windowSize ?? 1;
  }

  /** See {@link EgicCodecOptions.windowSize}. */
  readonly windowSize: number;

  /** Tiles start on the latent-resolution stage's window grid (see {@link EgicCodecOptions.windowSize}). */
  protected override get tileAlignment(): number {
    return this.windowSize;
  }

  /** g_s's last stage, the one the ORP head copies. */
  get lastSynthesisStage(): SwinStage {
    return this.swinSynthesis.stages[this.swinSynthesis.stages.length - 1]!;
  }

  /**
   * The features f entering g_s's last stage (the ORP head's input, before the stop-gradient).
   * @param yHat - The quantized latent [N, h, w, M].
   */
  synthesisFeatures(yHat: tf.Tensor): tf.Tensor4D {
    return this.swinSynthesis.callThrough(yHat, this.swinSynthesis.stages.length - 1);
  }

  /**
   * The ORP head's MSE-oriented image x_mse from features f (its gradient cut from f).
   * @param features - f [N, h', w', dim of the last stage].
   */
  orpPrediction(features: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => this.orp.call(stopGradient(features)));
  }

  /**
   * The reconstruction at residual weight alpha from the quantized latent (see the class
   * documentation).
   * @param yHat - [N, h, w, M].
   * @param alpha - In [0, 1]; default 1 (the GAN output).
   * @returns [N, 16h, 16w, 3], unclipped.
   * @throws InvalidArgumentError for alpha outside [0, 1].
   */
  reconstruct(yHat: tf.Tensor, alpha?: number): tf.Tensor4D {
    const a = resolveControl(EGIC_ALPHA_CONTROL, alpha)!;
    if (a === 1) return this.swinSynthesis.call(yHat);
    return tf.tidy(() => {
      const f = this.synthesisFeatures(yHat);
      const xMse = this.orpPrediction(f);
      if (a === 0) return xMse;
      const xGan = this.lastSynthesisStage.call(f);
      return tf.add(xGan, tf.mul(1 - a, tf.sub(xMse, xGan))) as tf.Tensor4D;
    });
  }

  /**
   * Training / evaluation pass (see {@link ImageCodec.forward}) of the reconstruction at
   * `options.alpha` (default 1: the GAN decoder). The rate never depends on alpha.
   * @throws InvalidArgumentError for alpha outside [0, 1].
   */
  override forward(x: tf.Tensor4D, options: EgicForwardOptions = {}): CodecForward {
    const alpha = resolveControl(EGIC_ALPHA_CONTROL, options.alpha);
    return this.forwardWith(x, options, (y) => this.reconstruct(y, alpha));
  }

  /**
   * y = g_a(x) and the ChARM codec in training mode: noisy rate, rounded (straight-through)
   * slices for the synthesis.
   * @param x - Images [N, H, W, 3] in [0, 1], sizes multiples of `padMultiple`.
   * @throws ShapeError for other sizes.
   */
  trainingLatent(x: tf.Tensor4D): EgicTrainingLatent {
    const [, h, w] = x.shape;
    const m = this.padMultiple;
    if (x.rank !== 4 || x.shape[3] !== 3 || h % m !== 0 || w % m !== 0) {
      throw new ShapeError(`training images must be [N, H, W, 3] with H and W multiples of ${m}, found [${x.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const y = this.analysis.call(x) as tf.Tensor4D;
      const { yHat, bits } = this.latentCodec.forward(y, true);
      return { yHat, bpp: tf.div(tf.mean(bits), h * w) as tf.Scalar };
    });
  }

  /**
   * The training pass a GAN needs: {@link EgicCodec.trainingLatent}, then x̂ = g_s(ŷ), the
   * GAN decoder's output.
   * @param x - Images [N, H, W, 3] in [0, 1], sizes multiples of `padMultiple`.
   */
  trainingForward(x: tf.Tensor4D): EgicTrainingForward {
    return tf.tidy(() => {
      const { yHat, bpp } = this.trainingLatent(x);
      return { xHat: this.swinSynthesis.call(yHat), yHat, bpp };
    });
  }

  /**
   * Copies the weights of g_s's last stage into the ORP head (EGIC starts stage 3 from the
   * GAN decoder's last stage, the reference's `SetWeightsCallback`).
   */
  initializeOrpFromSynthesis(): void {
    const dict = this.lastSynthesisStage.stateDict();
    try {
      this.orp.loadStateDict(dict);
    } finally {
      tf.dispose(Object.values(dict));
    }
  }

  /**
   * alpha, EGIC's residual weight ({@link EGIC_ALPHA_CONTROL}), chosen by the receiver:
   * `decompress(image, alpha)`, 1 (the default) the GAN output, 0 the ORP head's.
   */
  override get decodeControl(): DecodeControl {
    return EGIC_ALPHA_CONTROL;
  }

  /**
   * Decodes an image coded by `compress` at the receiver's alpha.
   * @param image - The coded image (its bytes do not depend on alpha).
   * @param alpha - Residual weight in [0, 1]; default 1 (the GAN output).
   * @param limits - Size limits, as for {@link ImageCodec.decompress}.
   * @returns Image [1, H, W, 3], clipped to [0, 1].
   * @throws InvalidArgumentError for a bad alpha; as {@link ImageCodec.decompress} otherwise.
   */
  override decompress(image: CompressedImage, alpha?: number, limits?: ImageLimits): Promise<tf.Tensor4D> {
    return super.decompress(image, alpha, limits);
  }

  /** The reconstruction at alpha (see {@link ImageCodec.decompressAt}). */
  protected override controlledSynthesis(alpha: number | undefined): ControlledSynthesis {
    return { synthesize: (y) => this.reconstruct(y, alpha), dispose: () => undefined };
  }
}

/** A Swin stage of g_s's last kind (for the ORP head). */
function orpHead(config: EgicConfig): SwinStage {
  const n = config.synthesisChannels.length;
  return new SwinStage(config.synthesisChannels[n - 1]!, {
    depth: config.synthesisDepths[n - 1]!,
    windowSize: config.windowSize,
    headDim: config.headDim,
    resample: 'unpack',
    outDim: 3,
  });
}

/**
 * `egic-orp`: EGIC with output residual prediction (Körber et al. 2024; Nikolai10/EGIC,
 * summarised in `shared/reference/ARCHITECTURES.md`, section EGIC), the SwinT-ChARM codec
 * of Zhu, Yang & Cohen 2022:
 *
 * - g_a: conv 2x2/2 then Swin stages with patch merging (latent M at H/16); g_s: Swin
 *   stages with patch splitting, the last with a patch unpacking to 3 channels; the ORP
 *   head copies g_s's last stage ({@link EgicCodec});
 * - entropy model: ChARM ({@link CharmLatentCodec}) without latent residual prediction:
 *   h_a = conv 2x2/2 M -> hyperChannels, Swin stages with merging (z at H/64, factorized
 *   prior); h_s = Swin stages with splitting, the last unpacking to 2M features split into
 *   means and scales; slice i sees its own block of each (as the reference) and at most
 *   `maxSupportSlices` earlier slices; per-slice 3x3 transforms of the configured widths;
 *   64 Gaussian scales 0.11..256; rounded ẑ for h_s in training.
 *
 * Every Swin stage has windowSize (hyperWindowSize in h_a / h_s) windows, head dim
 * `headDim`, W-MSA / SW-MSA alternating, MLP ratio 4. `compress` pads by edge replication to
 * a multiple of 64 (the reference reflect-pads to 256); maps inside that are not window
 * multiples are padded per block (see `SwinBlock` in @ncomp/layers).
 *
 * Train it with {@link EgicTrainer}: stage 1 MSE + LPIPS + rate, stage 2 + GAN against
 * {@link egicDiscriminator}, stage 3 the ORP head alone on MSE.
 */
export function egic(config: EgicConfig = EGIC_REFERENCE_CONFIG): EgicCodec {
  const M = egicLatentChannels(config);
  const n = config.analysisChannels.length;
  const analysis = new SwinTransform({
    inChannels: 3,
    patchEmbedding: true,
    windowSize: config.windowSize,
    headDim: config.headDim,
    stages: config.analysisChannels.map((dim, i) =>
      i < n - 1
        ? { dim, depth: config.analysisDepths[i]!, resample: 'merge', outDim: config.analysisChannels[i + 1]! }
        : { dim, depth: config.analysisDepths[i]!, resample: 'none' },
    ),
  });
  const synthesis = new SwinTransform({
    inChannels: M,
    patchEmbedding: false,
    windowSize: config.windowSize,
    headDim: config.headDim,
    stages: config.synthesisChannels.map((dim, i) => ({
      dim,
      depth: config.synthesisDepths[i]!,
      resample: i < n - 1 ? 'split' : 'unpack',
      outDim: i < n - 1 ? config.synthesisChannels[i + 1]! : 3,
    })),
  });
  const Z = config.hyperChannels;
  const k = config.hyperAnalysisDepths.length;
  const hyper = { windowSize: config.hyperWindowSize, headDim: config.headDim };
  const hyperAnalysis = new SwinTransform({
    inChannels: M,
    patchEmbedding: true,
    ...hyper,
    stages: config.hyperAnalysisDepths.map((depth, i) => (i < k - 1 ? { dim: Z, depth, resample: 'merge', outDim: Z } : { dim: Z, depth, resample: 'none' })),
  });
  const hyperSynthesis = new SwinTransform({
    inChannels: Z,
    patchEmbedding: false,
    ...hyper,
    stages: config.hyperSynthesisDepths.map((depth, i) =>
      i < k - 1 ? { dim: Z, depth, resample: 'split', outDim: Z } : { dim: Z, depth, resample: 'unpack', outDim: 2 * M },
    ),
  });
  const sliceChannels = M / config.numSlices;
  return new EgicCodec({
    analysis,
    synthesis,
    windowSize: config.windowSize,
    orp: orpHead(config),
    latentCodec: new CharmLatentCodec({
      hyperChannels: Z,
      hyperAnalysis,
      hyperSynthesis,
      hyperDownsampling: 2 ** k,
      transforms: new CharmTransforms({
        latentChannels: M,
        numSlices: config.numSlices,
        maxSupportSlices: config.maxSupportSlices,
        hyperMeanChannels: sliceChannels,
        hyperScaleChannels: sliceChannels,
        hiddenChannels: (i) => config.sliceHiddenChannels[i]!,
        kernelSizes: [3, 3, 3],
        latentResidualPrediction: false,
      }),
      sliceHyperFeatures: true,
      // Swin's shifted windows depend on the map's size: h_a and h_s run whole in the banded path.
      hyperBands: 'whole',
    }),
    downsampling: 2 ** n,
  });
}

/** Options of {@link egicDiscriminator}. */
export interface EgicDiscriminatorOptions {
  /**
   * Whether the training data has semantic labels: true builds EGIC's OASIS-C (per-pixel
   * N + 1 classes), false (default) the label-free fallback, HiFiC's conditional PatchGAN.
   */
  readonly labels?: boolean;
}

/**
 * EGIC's discriminator for an {@link EgicConfig}: with semantic labels the OASIS-C U-Net
 * ({@link OasisDiscriminator}, `semanticClasses` + 1 logits per pixel, conditioned on the
 * stop-gradient ŷ; images scaled to 0-255 as EGIC feeds them), without them the conditional PatchGAN of HiFiC
 * (spectral norm) for the non-saturating loss. {@link EgicTrainer} picks the losses by the
 * discriminator's kind.
 */
export function egicDiscriminator(
  config: EgicConfig = EGIC_REFERENCE_CONFIG,
  options: EgicDiscriminatorOptions = {},
): OasisDiscriminator | PatchGanDiscriminator {
  const latentChannels = egicLatentChannels(config);
  const latentStride = 2 ** config.analysisChannels.length;
  if (options.labels) {
    return new OasisDiscriminator({
      numClasses: config.semanticClasses,
      channels: config.discriminatorChannels,
      finalChannels: config.discriminatorFinalChannels,
      latentChannels,
      latentStride,
      // EGIC feeds OASIS-C 0-255 images.
      inputScale: 255,
    });
  }
  return new PatchGanDiscriminator({ channels: config.patchDiscriminatorChannels, conditional: true, latentChannels, latentStride });
}
