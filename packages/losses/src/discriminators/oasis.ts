/**
 * The OASIS-C discriminator of EGIC (Körber et al. 2024, "EGIC: enhanced low-bit-rate
 * generative image compression guided by semantic segmentation"; Nikolai10/EGIC
 * `src/oasis_c.py`): the OASIS U-Net discriminator (Schönfeld et al. 2021, "You only need
 * adversarial supervision for semantic image synthesis") conditioned on the latent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, stopGradient } from '@ncomp/core';
import { Conv2d, WeightNormConv2d, weightNormDataInit } from '@ncomp/layers';
import { checkDiscriminatorInputs, type DiscriminatorInputSpec } from './inputs.js';
import { OASIS_SLOPE, OasisResBlock } from './oasis-block.js';
import { latentToImageGrid } from './ops.js';

/** Options of {@link OasisDiscriminator}. */
export interface OasisDiscriminatorOptions {
  /**
   * Number N of semantic classes; the discriminator predicts N + 1 classes per pixel
   * (index N is "fake"). EGIC uses COCO panoptic's 134.
   */
  readonly numClasses: number;
  /**
   * Output widths of the encoder's residual blocks, each halving the resolution; the
   * decoder mirrors them. At least two. Default `[128, 128, 256, 256, 512, 512]` (OASIS).
   */
  readonly channels?: readonly number[];
  /**
   * Width of the last decoder block, of the projected latent, and so of the per-pixel
   * inner product. Default 64.
   */
  readonly finalChannels?: number;
  /** Whether the discriminator is conditioned on the latent. Default `true`. */
  readonly conditional?: boolean;
  /** Channels of the conditioning latent. Default 320 (EGIC's SwinT-ChARM latent). */
  readonly latentChannels?: number;
  /** Downsampling factor of the latent relative to the image. Default 16. */
  readonly latentStride?: number;
  /** Channels of the image. Default 3. */
  readonly inputChannels?: number;
  /**
   * Factor applied to the image before the first block. Default 1 (images in `[0, 1]`, the
   * ncomp convention); EGIC feeds its discriminator 0-255 images, which `255` reproduces.
   */
  readonly inputScale?: number;
}

function checkWidth(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${owner}: ${name} must be an integer >= 1, found ${String(value)}`);
  }
}

/**
 * EGIC's OASIS-C discriminator (Körber et al. 2024; Nikolai10/EGIC `src/oasis_c.py`): a
 * U-Net of OASIS residual blocks (Schönfeld et al. 2021) with weight-normalized
 * convolutions and LeakyReLU 0.2 that classifies every pixel into N semantic classes or
 * "fake" (N + 1 logits), conditioned on the latent by a projection:
 *
 *     encoder: 6 blocks 3 -> 128 -> 128 -> 256 -> 256 -> 512 -> 512, each ending in 2x2
 *              average pooling (H -> H / 64); the first has no leading LeakyReLU
 *     decoder: 6 blocks, each starting with nearest x2 upsampling: 512 -> 512, then
 *              [skip, x] concatenations 1024 -> 256, 512 -> 256, 512 -> 128, 256 -> 128,
 *              256 -> 64 (finalChannels)
 *     head:    1x1 convolution 64 -> N + 1 (plain, with bias)
 *     condition: stop_gradient(latent) -> conv3x3 64 -> LeakyReLU 0.2 -> nearest
 *              upsample to H x W; logits += sum_c(condition * features) on every class
 *
 * Each residual block is `x_s + dx` with a 1x1 shortcut convolution where the widths
 * differ (see the OASIS code); all convolutions but the head are weight-normalized
 * (g initialised to ||v||; {@link OasisDiscriminator.initializeFromData} gives EGIC's
 * data-dependent initialisation, which EgicTrainer runs before its first step) with `same` padding
 * and a bias, Glorot-uniform initialised.
 *
 * **Conditioning, as EGIC does it.** The inner product is one number per pixel, added to
 * all N + 1 logits alike. A softmax is invariant to such a shift, so the cross-entropy
 * losses ({@link oasisDiscriminatorLoss}, {@link oasisGeneratorLoss}) neither see the
 * condition nor train the latent projection; only objectives on the raw logits do (the
 * LabelMix consistency term, {@link labelMixLoss}).
 *
 * **Inputs.** The image is NHWC float32, multiplied by `inputScale` (default 1: `[0, 1]`
 * used as given). The latent is `[N, ceil(H / s), ceil(W / s), latentChannels]`, `s =
 * latentStride`; its gradient is stopped inside. Any image size works: pooling rounds odd
 * sizes up (an odd last row / column is repeated) and each decoder block crops its
 * upsampled input to the size of the skip it joins, so even sizes divisible by 2^6 give
 * exactly OASIS's computation.
 *
 * **Output.** Logits `[N, H, W, numClasses + 1]` at the image resolution.
 *
 * Variables: `latentConv` (conditional only), `down0` ... `down5`, `up0` ... `up5` (each
 * with `conv1`, `conv2` and, where the widths differ, `convS`, each holding `v`, `g`,
 * `bias`), and `head` (`kernel`, `bias`).
 *
 * @example
 * A small OASIS-C on 3 semantic classes, with its losses:
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { OasisDiscriminator, oasisDiscriminatorLoss, oasisGeneratorLoss } from '@ncomp/losses';
 *
 * await setBackend('auto');
 * const d = new OasisDiscriminator({ numClasses: 3, channels: [8, 8], finalChannels: 4, latentChannels: 4 });
 * const real = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 1);
 * const fake = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 2);
 * const latent = tf.randomNormal([1, 2, 2, 4], 0, 1, 'float32', 3); // latentStride 16 by default
 * // Per-pixel semantic labels of the real image: three vertical bands, classes 0, 1, 2.
 * const bands = Int32Array.from({ length: 32 * 32 }, (_, i) => Math.floor((i % 32) / 11));
 * const labels = tf.tensor3d(bands, [1, 32, 32], 'int32');
 *
 * // EGIC's data-dependent initialisation of every weight-normalized convolution: the latent's,
 * // 3 in down0 and up1 (widths change: a shortcut convolution), 2 in down1 and up0.
 * assert.equal(d.initializeFromData(real, latent), 11);
 * const realLogits = d.call(real, latent); // [1, 32, 32, 4]: 3 classes + "fake", per pixel
 * const fakeLogits = d.call(fake, latent);
 * assert.deepEqual(realLogits.shape, [1, 32, 32, 4]);
 * const dLoss = oasisDiscriminatorLoss(realLogits, fakeLogits, labels); // real pixels to their class, fakes to "fake"
 * const gLoss = oasisGeneratorLoss(fakeLogits, labels); // the generator wants its pixels classified as the labels
 * assert.ok(Number.isFinite((await dLoss.data())[0]!) && Number.isFinite((await gLoss.data())[0]!));
 * tf.dispose([real, fake, latent, labels, realLogits, fakeLogits, dLoss, gLoss]);
 * d.dispose();
 * ```
 */
export class OasisDiscriminator extends Module {
  /** Number N of semantic classes (the logits have N + 1 channels, index N = fake). */
  readonly numClasses: number;
  /** Channels of the image. */
  readonly inputChannels: number;
  /** Encoder widths. */
  readonly channels: readonly number[];
  /** Width of the last decoder block and of the projected latent. */
  readonly finalChannels: number;
  /** Whether the discriminator takes a latent. */
  readonly conditional: boolean;
  /** Channels of the conditioning latent. */
  readonly latentChannels: number;
  /** Downsampling factor of the latent relative to the image. */
  readonly latentStride: number;
  /** Factor applied to the image first. */
  readonly inputScale: number;
  readonly #latentConv: WeightNormConv2d | undefined;
  readonly #down: OasisResBlock[] = [];
  readonly #up: OasisResBlock[] = [];
  readonly #head: Conv2d;
  readonly #spec: DiscriminatorInputSpec;

  /**
   * @param options - Classes, widths and conditioning; see {@link OasisDiscriminatorOptions}.
   * @throws InvalidArgumentError for a missing or non-positive `numClasses`, fewer than two
   *   encoder widths, non-integer widths or a non-positive `inputScale`.
   */
  constructor(options: OasisDiscriminatorOptions) {
    super();
    const owner = new.target.name;
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError(`${owner}: options with numClasses are required, found ${String(options)}`);
    }
    this.numClasses = options.numClasses;
    this.inputChannels = options.inputChannels ?? 3;
    this.channels = [...(options.channels ?? [128, 128, 256, 256, 512, 512])];
    this.finalChannels = options.finalChannels ?? 64;
    this.conditional = options.conditional ?? true;
    this.latentChannels = options.latentChannels ?? 320;
    this.latentStride = options.latentStride ?? 16;
    this.inputScale = options.inputScale ?? 1;
    checkWidth(owner, 'numClasses', this.numClasses);
    checkWidth(owner, 'inputChannels', this.inputChannels);
    checkWidth(owner, 'finalChannels', this.finalChannels);
    checkWidth(owner, 'latentChannels', this.latentChannels);
    checkWidth(owner, 'latentStride', this.latentStride);
    if (this.channels.length < 2) {
      throw new InvalidArgumentError(`${owner}: channels must list at least two encoder widths, found ${this.channels.length}`);
    }
    this.channels.forEach((c, i) => checkWidth(owner, `channels[${i}]`, c));
    if (typeof this.inputScale !== 'number' || !Number.isFinite(this.inputScale) || this.inputScale <= 0) {
      throw new InvalidArgumentError(`${owner}: inputScale must be a finite number > 0, found ${String(this.inputScale)}`);
    }
    this.#spec = {
      owner,
      inputChannels: this.inputChannels,
      conditional: this.conditional,
      latentChannels: this.latentChannels,
      latentStride: this.latentStride,
    };
    this.#latentConv = this.conditional ? this.addModule('latentConv', new WeightNormConv2d(this.latentChannels, this.finalChannels, 3)) : undefined;
    const e = this.channels;
    const depth = e.length;
    let width = this.inputChannels;
    e.forEach((c, i) => {
      this.#down.push(this.addModule(`down${i}`, new OasisResBlock(width, c, 'down', i === 0)));
      width = c;
    });
    // OASIS: up0 e[D-1] -> e[D-2]; up_i 2 e[D-1-i] -> e[D-2-i]; up_{D-1} 2 e[0] -> final.
    this.#up.push(this.addModule('up0', new OasisResBlock(e[depth - 1]!, e[depth - 2]!, 'up')));
    for (let i = 1; i < depth - 1; i++) {
      this.#up.push(this.addModule(`up${i}`, new OasisResBlock(2 * e[depth - 1 - i]!, e[depth - 2 - i]!, 'up')));
    }
    this.#up.push(this.addModule(`up${depth - 1}`, new OasisResBlock(2 * e[0]!, this.finalChannels, 'up')));
    this.#head = this.addModule('head', new Conv2d(this.finalChannels, this.numClasses + 1, 1));
  }

  /** The logits shape `[N, H, W, numClasses + 1]` for an image of shape `[N, H, W, C]`. */
  outputShape(imageShape: readonly number[]): [number, number, number, number] {
    const [n = 0, h = 0, w = 0] = imageShape;
    return [n, h, w, this.numClasses + 1];
  }

  /**
   * EGIC's data-dependent initialisation of the weight-normalized convolutions (TFA
   * `WeightNormalization(data_init=True)` in Nikolai10/EGIC's OASIS-C; see
   * {@link weightNormDataInit}): one pass on a batch of real training images, each
   * convolution normalising its outputs in turn. Run it once, before the first
   * discriminator step, outside any gradient tape.
   * @param image - Real images, as for {@link OasisDiscriminator.call}.
   * @param latent - Their latent (conditional only).
   * @returns How many convolutions were initialised.
   */
  initializeFromData(image: tf.Tensor, latent?: tf.Tensor): number {
    return weightNormDataInit(this, () => this.call(image, latent));
  }

  /**
   * Per-pixel logits over the N semantic classes and "fake" (index N).
   *
   * @param image - [N, H, W, inputChannels] float32 (multiplied by `inputScale`).
   * @param latent - [N, ceil(H / latentStride), ceil(W / latentStride), latentChannels]
   *   float32 (conditional only; its gradient is stopped).
   * @returns Logits [N, H, W, numClasses + 1], a new tensor.
   * @throws ShapeError / InvalidArgumentError for inputs that do not fit (see the class
   *   documentation).
   */
  call(image: tf.Tensor, latent?: tf.Tensor): tf.Tensor4D {
    checkDiscriminatorInputs(this.#spec, image, latent);
    return tf.tidy(() => {
      const [, h, w] = image.shape;
      let x: tf.Tensor4D = this.inputScale === 1 ? image : tf.mul(image, this.inputScale);
      const skips: tf.Tensor4D[] = [];
      for (const block of this.#down) {
        x = block.call(x);
        skips.push(x);
      }
      const depth = this.#down.length;
      for (let i = 0; i < depth; i++) {
        // Block i joins skip D-2-i (the last one comes back to the image size).
        const target = i < depth - 1 ? skips[depth - 2 - i]! : undefined;
        const size: [number, number] = target === undefined ? [h, w] : [target.shape[1], target.shape[2]];
        const input = i === 0 ? x : tf.concat([skips[depth - 1 - i]!, x], 3);
        x = this.#up[i]!.call(input, size);
      }
      let logits = this.#head.call(x);
      if (this.#latentConv !== undefined && latent !== undefined) {
        const c = tf.leakyRelu(this.#latentConv.call(stopGradient(latent)), OASIS_SLOPE);
        const projection = tf.sum(tf.mul(latentToImageGrid(c, this.latentStride, h, w), x), 3, true);
        logits = tf.add(logits, projection);
      }
      return logits;
    });
  }
}
