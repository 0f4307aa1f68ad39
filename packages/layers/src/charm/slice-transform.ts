import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module, mapValues, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { Conv2d } from '../conv/conv2d.js';
import { checkInteger, checkNhwc } from '../internal/checks.js';

/** Options of {@link SliceTransform}. */
export interface SliceTransformOptions {
  /** Widths of the hidden convolutions (each followed by ReLU); default `[224, 128]`. */
  readonly hiddenChannels?: readonly number[];
  /** Kernel sizes, one per convolution (hidden ones, then the output); default `[5, 5, 3]`. */
  readonly kernelSizes?: readonly number[];
}

/**
 * Per-slice transform of the channel-wise autoregressive entropy model (ChARM; Minnen &
 * Singh 2020, "Channel-wise autoregressive entropy models for learned image compression";
 * TFC `models/ms2020.py` `SliceTransform`): stride-1 `same` convolutions with bias,
 * ReLU between them, none after the last,
 *
 *     conv5x5 224 -> ReLU -> conv5x5 128 -> ReLU -> conv3x3 outputChannels
 *
 * (the MRIC / ms2020 widths; EGIC uses 3x3 kernels with per-slice widths). Used for the
 * mean and scale predictions of each slice and, through {@link LatentResidualPrediction},
 * for LRP.
 *
 * Shapes: [N, H, W, inputChannels] -> [N, H, W, outputChannels].
 * Variables: `conv0`, `conv1`, ... (one per convolution).
 */
export class SliceTransform extends Module implements ExactEvaluable {
  /** Channels of the input (the support). */
  readonly inputChannels: number;
  /** Channels of the output (the slice depth). */
  readonly outputChannels: number;
  /** The convolutions, in order. */
  readonly convs: readonly Conv2d[];
  /**
   * Rows (and columns) of input beyond its own that an output pixel reads: the sum of the
   * convolutions' half kernels ('same' padding, stride 1), so that the rows of a window
   * grown by this much on each side compute the window's own rows as on the whole map.
   */
  readonly reach: number;

  /**
   * @param inputChannels - Channels of the support tensor.
   * @param outputChannels - Channels of the slice.
   * @param options - Hidden widths and kernel sizes.
   * @throws InvalidArgumentError for invalid sizes or a kernel list of the wrong length.
   */
  constructor(inputChannels: number, outputChannels: number, options: SliceTransformOptions = {}) {
    super();
    const owner = new.target.name;
    checkInteger(owner, 'inputChannels', inputChannels);
    checkInteger(owner, 'outputChannels', outputChannels);
    const hidden = [...(options.hiddenChannels ?? [224, 128])];
    const kernels = [...(options.kernelSizes ?? (hidden.length === 2 ? [5, 5, 3] : [...hidden.map(() => 5), 3]))];
    if (kernels.length !== hidden.length + 1) {
      throw new InvalidArgumentError(`${owner}: kernelSizes needs ${hidden.length + 1} entries (one per hidden layer and the output), found ${kernels.length}`);
    }
    hidden.forEach((c, i) => checkInteger(owner, `hiddenChannels[${i}]`, c));
    this.inputChannels = inputChannels;
    this.outputChannels = outputChannels;
    const widths = [inputChannels, ...hidden, outputChannels];
    const convs: Conv2d[] = [];
    for (let i = 0; i < kernels.length; i++) {
      convs.push(this.addModule(`conv${i}`, new Conv2d(widths[i]!, widths[i + 1]!, kernels[i]!)));
    }
    this.convs = convs;
    this.reach = kernels.reduce((r, k) => r + Math.ceil((k - 1) / 2), 0);
  }

  /**
   * @param support - [N, H, W, inputChannels] float32.
   * @returns [N, H, W, outputChannels].
   * @throws ShapeError for another rank or channel count.
   */
  call(support: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, support, this.inputChannels);
    return tf.tidy(() => {
      let h: tf.Tensor = support;
      this.convs.forEach((conv, i) => {
        h = conv.call(h);
        if (i < this.convs.length - 1) h = tf.relu(h);
      });
      return h as tf.Tensor4D;
    });
  }

  /** The deterministic twin of {@link SliceTransform.call} (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const convs = await Promise.all(this.convs.map((c) => c.exact()));
    const last = convs.length - 1;
    return (x) => convs.reduce((h, conv, i) => (i < last ? mapValues(conv(h), (v) => (v > 0 ? v : 0)) : conv(h)), x);
  }
}
