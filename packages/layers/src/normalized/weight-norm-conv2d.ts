import * as tf from '@tensorflow/tfjs-core';
import type { Conv2dOptions } from '../conv/conv-config.js';
import { convForward, convOutputShape } from '../conv/conv-config.js';
import { ConvLayer } from '../conv/conv-layer.js';

/**
 * 2-D convolution with weight normalization (Salimans & Kingma 2016, "Weight
 * normalization: a simple reparameterization to accelerate training of deep neural
 * networks"), as in the OASIS residual blocks of the EGIC discriminator: the kernel of
 * output channel o is
 *
 *     w[:, :, :, o] = g[o] * v[:, :, :, o] / ||v[:, :, :, o]||
 *
 * (the norm over kh, kw and inChannels). g is initialised to ||v|| per channel, so the
 * initial kernel equals the initial v (PyTorch `weight_norm`'s initialisation); a
 * data-dependent initialisation (TFA `WeightNormalization(data_init=True)`, as EGIC) is
 * {@link WeightNormConv2d.initializeOnNextCall} or, for a whole network,
 * {@link weightNormDataInit}.
 *
 * Shapes, strides and padding as {@link Conv2d}.
 * Variables: `v` [kh, kw, inChannels, outChannels] (direction), `g` [outChannels]
 * (magnitude), `bias` [outChannels] (with `useBias`). A PyTorch `weight_v` [out, in, kh,
 * kw] loads after a `[2, 3, 1, 0]` transpose, `weight_g` [out, 1, 1, 1] after a reshape.
 */
export class WeightNormConv2d extends ConvLayer {
  /** Direction v [kh, kw, inChannels, outChannels]. */
  readonly v: tf.Variable;
  /** Magnitude g [outChannels]. */
  readonly g: tf.Variable;
  /** The bias [outChannels], or `undefined` without bias. */
  readonly bias: tf.Variable | undefined;

  /**
   * @param inChannels - Channels of the input.
   * @param outChannels - Channels of the output.
   * @param kernelSize - Kernel size, one number or `[height, width]`.
   * @param options - As {@link Conv2d} (the initialiser sets v).
   * @throws InvalidArgumentError for invalid sizes, padding or initialiser.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dOptions = {}) {
    super(inChannels, outChannels, kernelSize, options);
    const config = this.convConfig;
    const [kh, kw] = config.kernelSize;
    this.v = this.addKernel('v', [kh, kw, inChannels, outChannels], {
      fanIn: kh * kw * inChannels,
      fanOut: kh * kw * outChannels,
    });
    this.g = this.addWeight('g', () => tf.sqrt(tf.sum(tf.square(this.v), [0, 1, 2])));
    this.bias = this.addBias();
  }

  #initializeOnNextCall = false;

  /**
   * Arms the data-dependent initialisation (Salimans & Kingma 2016, section 3; TFA
   * `WeightNormalization` `_data_dep_init`): the next {@link WeightNormConv2d.call} first
   * computes t = conv(x, g · v / ||v||) without bias, its per-channel mean μ and variance σ²
   * over batch and positions, and sets g ← g / sqrt(σ² + 1e-10) and bias ← -μ / sqrt(σ² +
   * 1e-10), so that call's outputs have zero mean and unit variance per channel. Run that
   * call outside any gradient tape.
   * @param armed - false disarms it again.
   */
  initializeOnNextCall(armed = true): void {
    this.#initializeOnNextCall = armed;
  }

  /** Whether {@link WeightNormConv2d.initializeOnNextCall} is armed and no call has consumed it yet. */
  get awaitingInitialization(): boolean {
    return this.#initializeOnNextCall;
  }

  /** The output shape for an input of shape `[N, H, W, inChannels]`. */
  outputShape(inputShape: readonly number[]): [number, number, number, number] {
    return convOutputShape(this.convConfig, inputShape);
  }

  /** The effective kernel g * v / ||v|| [kh, kw, inChannels, outChannels], a new tensor. */
  kernel(): tf.Tensor4D {
    return tf.tidy(() => tf.mul(this.v, tf.div(this.g, tf.sqrt(tf.sum(tf.square(this.v), [0, 1, 2])))) as tf.Tensor4D);
  }

  /**
   * @param x - [N, H, W, inChannels] float32.
   * @returns [N, H', W', outChannels] (as {@link Conv2d}).
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    if (this.#initializeOnNextCall) {
      this.#initializeOnNextCall = false;
      this.#initializeFrom(x);
    }
    return tf.tidy(() => convForward(this.constructor.name, this.convConfig, x, this.kernel(), this.bias));
  }

  #initializeFrom(x: tf.Tensor): void {
    tf.tidy(() => {
      const t = convForward(this.constructor.name, this.convConfig, x, this.kernel(), undefined);
      const { mean, variance } = tf.moments(t, [0, 1, 2]);
      const scale = tf.rsqrt(tf.add(variance, 1e-10));
      this.g.assign(tf.mul(this.g, scale));
      this.bias?.assign(tf.neg(tf.mul(mean, scale)));
    });
  }
}
