/**
 * The conditional PatchGAN discriminator of HiFiC (Mentzer et al. 2020, "High-fidelity
 * generative image compression"; TFC `models/hific/archs.py`), also used by MRIC.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, stopGradient } from '@ncomp/core';
import { SpectralNormConv2d } from '@ncomp/layers';
import { checkDiscriminatorInputs, type DiscriminatorInputSpec } from './inputs.js';
import { latentToImageGrid } from './ops.js';

/** Options of {@link PatchGanDiscriminator}. */
export interface PatchGanDiscriminatorOptions {
  /**
   * Widths of the 4x4 body convolutions: every one but the last has stride 2, the last
   * has stride 1; a final 4x4 stride-1 convolution then maps to one logit. Default
   * `[64, 128, 256, 512]` (HiFiC). A small list such as `[8, 16, 16]` suits tests.
   */
  readonly channels?: readonly number[];
  /** Whether the discriminator is conditioned on the latent. Default `true`. */
  readonly conditional?: boolean;
  /** Channels of the conditioning latent. Default 220 (HiFiC; MRIC uses 320). */
  readonly latentChannels?: number;
  /** Channels the latent is projected to before the concatenation. Default 12 (HiFiC). */
  readonly conditionChannels?: number;
  /** Downsampling factor of the latent relative to the image. Default 16. */
  readonly latentStride?: number;
  /** Channels of the image. Default 3. */
  readonly inputChannels?: number;
  /** Standard deviation of the N(0, stddev) kernel initialisation. Default 0.02 (compare_gan). */
  readonly initStddev?: number;
  /**
   * Seed of the random initialisation (kernels and spectral-norm vectors), for a
   * reproducible discriminator. Default: unseeded.
   */
  readonly seed?: number;
}

/** LeakyReLU slope of HiFiC's discriminator. */
const SLOPE = 0.2;

function checkWidth(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${owner}: ${name} must be an integer >= 1, found ${String(value)}`);
  }
}

/**
 * HiFiC's conditional PatchGAN discriminator (Mentzer et al. 2020; TFC
 * `models/hific/archs.py` `_PatchDiscriminatorCompareGANImpl`), with spectral
 * normalization on every convolution and N(0, 0.02) kernels (compare_gan's defaults):
 *
 *     condition: stop_gradient(latent) -> conv3x3 12 -> LeakyReLU 0.2
 *                -> nearest upsample to H x W -> concat with the image
 *     body:      conv4x4/2 64 -> LReLU -> conv4x4/2 128 -> LReLU -> conv4x4/2 256 -> LReLU
 *                -> conv4x4/1 512 -> LReLU -> conv4x4/1 1
 *
 * All convolutions use TensorFlow `same` padding and a bias. Without conditioning the
 * body sees the image alone.
 *
 * **Inputs.** The image is NHWC float32 in `[0, 1]` and is used as given (no
 * rescaling; HiFiC feeds its discriminator the `[0, 1]` images too). The latent is
 * `[N, ceil(H / s), ceil(W / s), latentChannels]` with `s = latentStride`; its gradient is
 * stopped inside, so the discriminator never trains the encoder. Each latent pixel is
 * repeated `s` x `s` times and the result cropped to `H` x `W`, which for sizes that are
 * multiples of `s` is exactly HiFiC's `tf.image.resize(..., 'nearest')`.
 *
 * **Output.** Logits `[N, h, w, 1]`, `h = ceil(H / 2^k)` for k stride-2 layers (3 by
 * default): one real/fake logit per patch, for the GAN objectives of this package
 * (HiFiC: {@link nonSaturatingDiscriminatorLoss} / {@link nonSaturatingGeneratorLoss}).
 *
 * **Training.** A call with `training = true` runs one spectral-norm power-iteration step
 * in every convolution (compare_gan's behaviour), so call it once per optimizer step, with
 * real and fake images concatenated along the batch as HiFiC does; calls with `training =
 * false` (the default) change nothing.
 *
 * Variables: `latentConv` (conditional only), `conv0` ... `conv{k}` (the body), `out`
 * (the logit layer); each holds `kernel`, `bias` and the non-trainable power-iteration
 * vector `u`.
 *
 * @example
 * A discriminator step of HiFiC's kind on a small discriminator:
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { PatchGanDiscriminator, nonSaturatingDiscriminatorLoss } from '@ncomp/losses';
 *
 * await setBackend('auto');
 * const d = new PatchGanDiscriminator({ channels: [8, 16, 16], latentChannels: 4, latentStride: 16, seed: 1 });
 * const real = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 1); // images in [0, 1]
 * const fake = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 2); // e.g. a codec's reconstructions
 * const latent = tf.randomNormal([2, 2, 2, 4], 0, 1, 'float32', 3); // their quantized latent, 32 / 16 = 2
 * const images = tf.concat([real, fake]); // real and fake in one batch, as HiFiC does
 * const latents = tf.concat([latent, latent]);
 *
 * // One optimizer step's gradient: `training` runs the spectral-norm power iteration once.
 * const { value: loss, grads } = tf.variableGrads(() => {
 *   const logits = d.call(images, latents, true); // [4, 8, 8, 1]: one logit per patch
 *   const [onReal, onFake] = tf.split(logits, 2);
 *   return nonSaturatingDiscriminatorLoss(onReal!, onFake!);
 * }, d.trainableVariables());
 * assert.ok(Math.abs((await loss.data())[0]! - 2 * Math.log(2)) < 0.2); // about 2 log 2 untrained
 * assert.equal(Object.keys(grads).length, d.trainableVariables().length);
 *
 * // The latent's gradient is stopped inside: the discriminator never trains the encoder.
 * const dLatent = tf.grad((l: tf.Tensor) => tf.sum(d.call(fake, l)))(latent);
 * assert.ok(Array.from(await dLatent.data()).every((v) => v === 0));
 * tf.dispose([real, fake, latent, images, latents, loss, dLatent, ...Object.values(grads)]);
 * d.dispose();
 * ```
 */
export class PatchGanDiscriminator extends Module {
  /** Channels of the image. */
  readonly inputChannels: number;
  /** Whether the discriminator takes a latent. */
  readonly conditional: boolean;
  /** Channels of the conditioning latent. */
  readonly latentChannels: number;
  /** Channels the latent is projected to. */
  readonly conditionChannels: number;
  /** Downsampling factor of the latent relative to the image. */
  readonly latentStride: number;
  /** Widths of the body convolutions. */
  readonly channels: readonly number[];
  readonly #latentConv: SpectralNormConv2d | undefined;
  readonly #body: SpectralNormConv2d[] = [];
  readonly #spec: DiscriminatorInputSpec;

  /**
   * @param options - Widths, conditioning and initialisation; see {@link PatchGanDiscriminatorOptions}.
   * @throws InvalidArgumentError for non-integer or non-positive widths, an empty
   *   `channels` list or a non-positive `initStddev`.
   */
  constructor(options: PatchGanDiscriminatorOptions = {}) {
    super();
    const owner = new.target.name;
    this.inputChannels = options.inputChannels ?? 3;
    this.conditional = options.conditional ?? true;
    this.latentChannels = options.latentChannels ?? 220;
    this.conditionChannels = options.conditionChannels ?? 12;
    this.latentStride = options.latentStride ?? 16;
    this.channels = [...(options.channels ?? [64, 128, 256, 512])];
    const stddev = options.initStddev ?? 0.02;
    checkWidth(owner, 'inputChannels', this.inputChannels);
    checkWidth(owner, 'latentChannels', this.latentChannels);
    checkWidth(owner, 'conditionChannels', this.conditionChannels);
    checkWidth(owner, 'latentStride', this.latentStride);
    if (this.channels.length === 0) throw new InvalidArgumentError(`${owner}: channels must list at least one width`);
    this.channels.forEach((c, i) => checkWidth(owner, `channels[${i}]`, c));
    if (typeof stddev !== 'number' || !Number.isFinite(stddev) || stddev <= 0) {
      throw new InvalidArgumentError(`${owner}: initStddev must be a finite number > 0, found ${String(stddev)}`);
    }
    const seed = options.seed;
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) {
      throw new InvalidArgumentError(`${owner}: seed must be a finite number, found ${String(seed)}`);
    }
    // Each seeded draw takes the next seed, so that no two weights start equal.
    let draws = 0;
    const nextSeed = (): number | undefined => (seed === undefined ? undefined : seed + draws++);
    const kernelInitializer = (shape: number[]): tf.Tensor => tf.randomNormal(shape, 0, stddev, 'float32', nextSeed());
    this.#spec = {
      owner,
      inputChannels: this.inputChannels,
      conditional: this.conditional,
      latentChannels: this.latentChannels,
      latentStride: this.latentStride,
    };
    this.#latentConv = this.conditional
      ? this.addModule('latentConv', new SpectralNormConv2d(this.latentChannels, this.conditionChannels, 3, { kernelInitializer, uSeed: nextSeed() }))
      : undefined;
    let width = this.inputChannels + (this.conditional ? this.conditionChannels : 0);
    this.channels.forEach((c, i) => {
      const stride = i < this.channels.length - 1 ? 2 : 1;
      this.#body.push(this.addModule(`conv${i}`, new SpectralNormConv2d(width, c, 4, { stride, kernelInitializer, uSeed: nextSeed() })));
      width = c;
    });
    this.#body.push(this.addModule('out', new SpectralNormConv2d(width, 1, 4, { kernelInitializer, uSeed: nextSeed() })));
  }

  /** The logit map shape `[N, h, w, 1]` for an image of shape `[N, H, W, C]`. */
  outputShape(imageShape: readonly number[]): [number, number, number, number] {
    const [n = 0, h = 0, w = 0] = imageShape;
    const down = 2 ** (this.channels.length - 1);
    return [n, Math.ceil(h / down), Math.ceil(w / down), 1];
  }

  /**
   * Real/fake logits per patch.
   *
   * @param image - [N, H, W, inputChannels] float32, pixel values in `[0, 1]` (not rescaled).
   * @param latent - [N, ceil(H / latentStride), ceil(W / latentStride), latentChannels]
   *   float32 (conditional only; its gradient is stopped).
   * @param training - Whether to run one spectral-norm power-iteration step per
   *   convolution; default `false`.
   * @returns Logits [N, h, w, 1] (see {@link PatchGanDiscriminator.outputShape}), a new tensor.
   * @throws ShapeError / InvalidArgumentError for inputs that do not fit (see the class
   *   documentation).
   */
  call(image: tf.Tensor, latent?: tf.Tensor, training = false): tf.Tensor4D {
    checkDiscriminatorInputs(this.#spec, image, latent);
    return tf.tidy(() => {
      let x: tf.Tensor4D = image;
      if (this.#latentConv !== undefined && latent !== undefined) {
        const [, h, w] = image.shape;
        const c = tf.leakyRelu(this.#latentConv.call(stopGradient(latent), training), SLOPE);
        x = tf.concat([image, latentToImageGrid(c, this.latentStride, h, w)], 3);
      }
      const last = this.#body.length - 1;
      this.#body.forEach((conv, i) => {
        x = conv.call(x, training);
        if (i < last) x = tf.leakyRelu(x, SLOPE);
      });
      return x;
    });
  }
}
