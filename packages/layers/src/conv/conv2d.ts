import * as tf from '@tensorflow/tfjs-core';
import type { Conv2dOptions } from './conv-config.js';
import { convForward, convOutputShape } from './conv-config.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- named by {@link ConvPadding} below
import type { ConvPadding } from './padding.js';
import { ConvLayer } from './conv-layer.js';
import type { ExactEvaluable, ExactFn } from '@ncomp/core';
import { exactConvLayer } from '../exact/conv-exact.js';

/**
 * 2-D convolution (cross-correlation, as `tf.conv2d`, Keras `Conv2D` and TFC
 * `SignalConv2D(corr=True)`), optionally strided (downsampling).
 *
 * Shapes: input [N, H, W, inChannels] float32 -> output [N, H', W', outChannels] with
 * H' = ceil(H / s) for the "same" paddings and floor((H - k) / s) + 1 for `valid` (the same
 * for W). `same` (default) is TensorFlow's padding, extra zero at the bottom / right;
 * `same_zeros` is TFC's, centring output i on input s * i (see {@link ConvPadding}).
 *
 * Variables: `kernel` [kh, kw, inChannels, outChannels] (the TF layout; a PyTorch weight
 * [out, in, kh, kw] loads after a `[2, 3, 1, 0]` transpose) and, with `useBias`, `bias`
 * [outChannels] initialised to 0. The kernel is Glorot-uniform by default.
 *
 * @example
 * A strided analysis stage, as in Ballé et al.'s transforms:
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { Conv2d, GDN, Sequential } from '@ncomp/layers';
 *
 * await setBackend('auto');
 * const stage = new Sequential([new Conv2d(3, 16, 5, { stride: 2, padding: 'same_zeros' }), new GDN(16)]);
 * const x = tf.randomUniform([1, 32, 48, 3]); // NHWC in [0, 1]
 * const y = stage.call(x);
 * assert.deepEqual(y.shape, [1, 16, 24, 16]); // half the size, 16 channels
 * assert.equal(stage.numParameters(), 5 * 5 * 3 * 16 + 16 + (16 + 16 * 16)); // conv + GDN's beta, gamma
 * tf.dispose([x, y]);
 * stage.dispose();
 * ```
 */
export class Conv2d extends ConvLayer implements ExactEvaluable {
  /** The kernel variable [kh, kw, inChannels, outChannels]. */
  readonly kernel: tf.Variable;
  /** The bias variable [outChannels], or `undefined` without bias. */
  readonly bias: tf.Variable | undefined;

  /**
   * @param inChannels - Channels of the input.
   * @param outChannels - Channels of the output.
   * @param kernelSize - Kernel size, one number or `[height, width]`.
   * @param options - Stride, padding, bias and initialiser; see {@link Conv2dOptions}.
   * @throws InvalidArgumentError for non-positive sizes or an unknown padding or initialiser.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dOptions = {}) {
    super(inChannels, outChannels, kernelSize, options);
    const config = this.convConfig;
    const [kh, kw] = config.kernelSize;
    this.kernel = this.addKernel('kernel', [kh, kw, inChannels, outChannels], { fanIn: kh * kw * inChannels, fanOut: kh * kw * outChannels });
    this.bias = this.addBias();
  }

  /** The output shape for an input of shape `[N, H, W, inChannels]`. */
  outputShape(inputShape: readonly number[]): [number, number, number, number] {
    return convOutputShape(this.convConfig, inputShape);
  }

  /**
   * Applies the convolution.
   *
   * @param x - [N, H, W, inChannels] float32.
   * @returns [N, H', W', outChannels] (see the class documentation), a new tensor.
   * @throws ShapeError for another rank or channel count, or an input smaller than the
   *   kernel with `valid` padding.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => convForward(this.constructor.name, this.convConfig, x, this.kernel, this.bias));
  }

  /** The deterministic twin of {@link Conv2d.call} (see `ExactEvaluable` in @ncomp/core). */
  exact(): Promise<ExactFn> {
    return exactConvLayer(this);
  }
}
