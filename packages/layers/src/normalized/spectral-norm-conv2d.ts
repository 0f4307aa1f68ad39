import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, stopGradient } from '@ncomp/core';
import type { Conv2dOptions } from '../conv/conv-config.js';
import { convForward, convOutputShape } from '../conv/conv-config.js';
import { checkPositive } from '../internal/checks.js';
import { ConvLayer } from '../conv/conv-layer.js';

/** Options of {@link SpectralNormConv2d}. */
export interface SpectralNormConv2dOptions extends Conv2dOptions {
  /** Guards the normalizations of the power iteration; default 1e-12 (compare_gan, PyTorch). */
  readonly epsilon?: number;
  /** Seed of the random initial power-iteration vector u, for reproducible modules. Default: unseeded. */
  readonly uSeed?: number | undefined;
}

/**
 * 2-D convolution with spectral normalization (Miyato et al. 2018, "Spectral normalization
 * for generative adversarial networks"), as in the HiFiC / MRIC PatchGAN discriminators
 * (compare_gan `spectral_norm`): the kernel, viewed as a matrix W [kh * kw * inChannels,
 * outChannels], is divided by an estimate of its largest singular value,
 *
 *     W_sn = W / sigma,   sigma = ||W u||
 *
 * with a persistent unit vector u [outChannels] refined by one power-iteration step per
 * training call: v = normalize(W u), u <- normalize(W^T v) (before sigma is computed).
 * Inference calls (`training = false`, the default) use u as stored and never change it,
 * so they are deterministic; a training call followed by an inference call gives the same
 * output. The gradient treats u as a constant (it is not trained), the usual choice; sigma
 * = ||W u|| is then differentiated exactly.
 *
 * Shapes, strides and padding as {@link Conv2d}.
 * Variables: `kernel` [kh, kw, inChannels, outChannels], `bias` [outChannels] (with
 * `useBias`), `u` [outChannels] (not trainable, random unit vector at initialisation;
 * saved in the state dict).
 */
export class SpectralNormConv2d extends ConvLayer {
  /** Power-iteration epsilon. */
  readonly epsilon: number;
  /** The unnormalized kernel [kh, kw, inChannels, outChannels]. */
  readonly kernel: tf.Variable;
  /** The bias [outChannels], or `undefined` without bias. */
  readonly bias: tf.Variable | undefined;
  /** The power-iteration vector [outChannels] (non-trainable). */
  readonly u: tf.Variable;

  /**
   * @param inChannels - Channels of the input.
   * @param outChannels - Channels of the output.
   * @param kernelSize - Kernel size, one number or `[height, width]`.
   * @param options - As {@link Conv2d}, plus `epsilon` and `uSeed`.
   * @throws InvalidArgumentError for invalid sizes, padding or initialiser.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: SpectralNormConv2dOptions = {}) {
    super(inChannels, outChannels, kernelSize, options);
    const owner = this.owner;
    const config = this.convConfig;
    this.epsilon = options.epsilon ?? 1e-12;
    checkPositive(owner, 'epsilon', this.epsilon);
    const uSeed = options.uSeed;
    if (uSeed !== undefined && (typeof uSeed !== 'number' || !Number.isFinite(uSeed))) {
      throw new InvalidArgumentError(`${owner}: uSeed must be a finite number, found ${String(uSeed)}`);
    }
    const [kh, kw] = config.kernelSize;
    this.kernel = this.addKernel('kernel', [kh, kw, inChannels, outChannels], {
      fanIn: kh * kw * inChannels,
      fanOut: kh * kw * outChannels,
    });
    this.bias = this.addBias();
    this.u = this.addWeight('u', () => this.#normalize(tf.randomNormal([outChannels], 0, 1, 'float32', uSeed)), { trainable: false });
  }

  /** The output shape for an input of shape `[N, H, W, inChannels]`. */
  outputShape(inputShape: readonly number[]): [number, number, number, number] {
    return convOutputShape(this.convConfig, inputShape);
  }

  /**
   * The current estimate sigma = ||W u|| of the kernel's largest singular value (no update).
   * Returns a new scalar tensor.
   */
  spectralNorm(): tf.Scalar {
    return tf.tidy(() => tf.norm(tf.matMul(this.#matrix(), tf.reshape(this.u, [-1, 1]))) as tf.Scalar);
  }

  /**
   * The normalized kernel W / sigma [kh, kw, inChannels, outChannels]; with `update`, one
   * power-iteration step refines (and stores) u first. Returns a new tensor.
   *
   * @param update - Whether to run the power-iteration step (what a training call does).
   */
  normalizedKernel(update = false): tf.Tensor4D {
    return tf.tidy(() => {
      const w = this.#matrix();
      let u = tf.reshape(this.u, [-1, 1]);
      if (update) {
        // The step sees W as a constant: u is a running estimate, not part of the graph.
        const wConst = stopGradient(w);
        const v = this.#normalize(tf.matMul(wConst, u));
        u = this.#normalize(tf.matMul(wConst, v, true, false));
        this.u.assign(tf.reshape(u, [-1]));
      }
      const sigma = tf.norm(tf.matMul(w, stopGradient(u)));
      return tf.div(this.kernel, sigma) as tf.Tensor4D;
    });
  }

  /**
   * Applies the spectrally normalized convolution.
   *
   * @param x - [N, H, W, inChannels] float32.
   * @param training - Whether to run one power-iteration step and store u; default `false`.
   * @returns [N, H', W', outChannels] (as {@link Conv2d}).
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor, training = false): tf.Tensor4D {
    return tf.tidy(() => convForward(this.constructor.name, this.convConfig, x, this.normalizedKernel(training), this.bias));
  }

  #matrix(): tf.Tensor2D {
    return tf.reshape(this.kernel, [-1, this.outChannels]);
  }

  #normalize(t: tf.Tensor): tf.Tensor {
    return tf.div(t, tf.maximum(tf.norm(t), this.epsilon));
  }
}
