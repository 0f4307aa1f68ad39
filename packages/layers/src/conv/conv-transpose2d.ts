import * as tf from '@tensorflow/tfjs-core';
import { conv2dTranspose, ShapeError } from '@ncomp/core';
import { checkNhwc, describe } from '../internal/checks.js';
import type { Conv2dOptions } from './conv-config.js';
import { convTransposeOutputLength, tfPadding } from './padding.js';
import { ConvLayer } from './conv-layer.js';
import type { ExactEvaluable, ExactFn } from '@ncomp/core';
import { exactConvTransposeLayer } from '../exact/conv-exact.js';

/**
 * Transposed 2-D convolution ("deconvolution"; `tf.conv2dTranspose`, Keras
 * `Conv2DTranspose`, TFC `SignalConv2D(corr=False, strides_up=s)`, PyTorch
 * `ConvTranspose2d`): the adjoint of a strided {@link Conv2d}, used for upsampling in
 * synthesis transforms.
 *
 * Shapes: input [N, H, W, inChannels] float32 -> output [N, H * s, W * s, outChannels]
 * for the "same" paddings, [N, (H - 1) * s + kh, (W - 1) * s + kw, outChannels] for
 * `valid`. The padding is that of the forward convolution from the output size back to
 * H: `same` (default) follows TensorFlow / Keras (total max(k - s, 0), extra at the bottom
 * / right), `same_zeros` follows TFC and CompressAI (floor(k / 2) before, so input i lands
 * on output s * i; CompressAI's `deconv` with `output_padding = s - 1`). See
 * `ConvPadding`.
 *
 * Variables: `kernel` [kh, kw, outChannels, inChannels] (the layout of
 * `tf.conv2dTranspose` and Keras; a TFC `SignalConv2D` kernel [kh, kw, in, out] loads after
 * swapping its last two axes, a PyTorch weight [in, out, kh, kw] after a `[2, 3, 1, 0]`
 * transpose) and, with `useBias`, `bias` [outChannels] initialised to 0. Glorot-uniform
 * kernel by default.
 *
 * @example
 * A synthesis stage upsamples by the stride; without bias and with the kernel of a
 * {@link Conv2d} of the same geometry, the layer is that convolution's adjoint:
 * `<conv(x), y> = <x, convT(y)>`.
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { Conv2d, ConvTranspose2d } from '@ncomp/layers';
 *
 * await setBackend('auto');
 * const options = { stride: 2, padding: 'same_zeros', useBias: false } as const;
 * const down = new Conv2d(3, 4, 5, options); // kernel [5, 5, 3, 4]
 * const up = new ConvTranspose2d(4, 3, 5, options); // kernel [5, 5, 3, 4] too
 * up.kernel.assign(down.kernel);
 * const x = tf.randomUniform([1, 16, 12, 3]);
 * const y = tf.randomNormal([1, 8, 6, 4]);
 * const upY = up.call(y);
 * assert.deepEqual(upY.shape, [1, 16, 12, 3]); // twice the size
 * const [lhs, rhs] = tf.tidy(() => [tf.sum(tf.mul(down.call(x), y)), tf.sum(tf.mul(x, upY))]);
 * assert.ok(Math.abs((await lhs!.data())[0]! - (await rhs!.data())[0]!) < 1e-3);
 * // With 'valid' padding the output is (H - 1) * s + k high.
 * const valid = new ConvTranspose2d(4, 3, 5, { stride: 2, padding: 'valid' });
 * assert.deepEqual(valid.outputShape(y.shape), [1, 19, 15, 3]);
 * tf.dispose([x, y, upY, lhs!, rhs!]);
 * [down, up, valid].forEach((m) => m.dispose());
 * ```
 */
export class ConvTranspose2d extends ConvLayer implements ExactEvaluable {
  /** The kernel variable [kh, kw, outChannels, inChannels]. */
  readonly kernel: tf.Variable;
  /** The bias variable [outChannels], or `undefined` without bias. */
  readonly bias: tf.Variable | undefined;

  /**
   * @param inChannels - Channels of the input.
   * @param outChannels - Channels of the output.
   * @param kernelSize - Kernel size, one number or `[height, width]`.
   * @param options - Stride (upsampling factor), padding, bias and initialiser.
   * @throws InvalidArgumentError for non-positive sizes or an unknown padding or initialiser.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dOptions = {}) {
    super(inChannels, outChannels, kernelSize, options);
    const config = this.convConfig;
    const [kh, kw] = config.kernelSize;
    // Keras' fans for a transposed kernel [kh, kw, out, in]: fan_in uses axis 2 (out).
    this.kernel = this.addKernel('kernel', [kh, kw, outChannels, inChannels], {
      fanIn: kh * kw * outChannels,
      fanOut: kh * kw * inChannels,
    });
    this.bias = this.addBias();
  }

  /** The output shape for an input of shape `[N, H, W, inChannels]`. */
  outputShape(inputShape: readonly number[]): [number, number, number, number] {
    const [n = 0, h = 0, w = 0] = inputShape;
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    return [n, convTransposeOutputLength(h, kh, sh, this.padding), convTransposeOutputLength(w, kw, sw, this.padding), this.outChannels];
  }

  /**
   * Applies the transposed convolution.
   *
   * @param x - [N, H, W, inChannels] float32.
   * @returns [N, H * s, W * s, outChannels] ("same" paddings) or the `valid` size.
   * @throws ShapeError for another rank or channel count or an empty input.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    const owner = this.constructor.name;
    checkNhwc(owner, x, this.inChannels);
    if (x.shape[1] < 1 || x.shape[2] < 1) throw new ShapeError(`${owner}: expected a non-empty input, found ${describe(x)}`);
    return tf.tidy(() => {
      const y = conv2dTranspose(
        x as tf.Tensor4D,
        this.kernel as tf.Tensor4D,
        this.outputShape(x.shape),
        this.convConfig.stride,
        tfPadding(this.padding, this.kernelSize),
      );
      return this.bias === undefined ? y : tf.add(y, this.bias);
    });
  }

  /** The deterministic twin of {@link ConvTranspose2d.call} (see `ExactEvaluable` in @ncomp/core). */
  exact(): Promise<ExactFn> {
    return exactConvTransposeLayer(this);
  }
}
