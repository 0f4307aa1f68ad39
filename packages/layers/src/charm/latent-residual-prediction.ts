import * as tf from '@tensorflow/tfjs-core';
import { Module, ShapeError, concatChannels, exactTanh, type ExactMap } from '@ncomp/core';
import { checkNhwc, describe } from '../internal/checks.js';
import type { SliceTransformOptions } from './slice-transform.js';
import { SliceTransform } from './slice-transform.js';

/**
 * Latent residual prediction (LRP) of ChARM (Minnen & Singh 2020; TFC `models/ms2020.py`):
 * corrects a quantized slice with a bounded residual predicted from the support and the
 * slice itself,
 *
 *     y_hat' = y_hat + 0.5 * tanh(T(concat(support, y_hat)))
 *
 * where T is a {@link SliceTransform} and `support` is the mean support of the slice
 * (hyper-synthesis means and the previously decoded slices). The correction is in
 * (-0.5, 0.5), i.e. within one quantization bin.
 *
 * Shapes: support [N, H, W, supportChannels], y_hat [N, H, W, sliceChannels] ->
 * [N, H, W, sliceChannels].
 * Variables: `transform` (input supportChannels + sliceChannels).
 */
export class LatentResidualPrediction extends Module {
  /** Channels of the support. */
  readonly supportChannels: number;
  /** Channels of the slice. */
  readonly sliceChannels: number;
  /** The transform T. */
  readonly transform: SliceTransform;

  /**
   * @param supportChannels - Channels of the mean support.
   * @param sliceChannels - Channels of the slice.
   * @param options - Widths and kernel sizes of T.
   */
  constructor(supportChannels: number, sliceChannels: number, options: SliceTransformOptions = {}) {
    super();
    this.supportChannels = supportChannels;
    this.sliceChannels = sliceChannels;
    this.transform = this.addModule('transform', new SliceTransform(supportChannels + sliceChannels, sliceChannels, options));
  }

  /**
   * @param support - [N, H, W, supportChannels] float32.
   * @param yHatSlice - The quantized slice [N, H, W, sliceChannels].
   * @returns The corrected slice yHatSlice + 0.5 tanh(T(concat(support, yHatSlice))).
   * @throws ShapeError for mismatched shapes.
   */
  call(support: tf.Tensor, yHatSlice: tf.Tensor): tf.Tensor4D {
    const owner = this.constructor.name;
    checkNhwc(owner, support, this.supportChannels);
    checkNhwc(owner, yHatSlice, this.sliceChannels);
    if (!tf.util.arraysEqual(support.shape.slice(0, 3), yHatSlice.shape.slice(0, 3))) {
      throw new ShapeError(`${owner}: support ${describe(support)} and slice ${describe(yHatSlice)} differ in batch or spatial size`);
    }
    return tf.tidy(() => tf.add(yHatSlice, tf.mul(0.5, tf.tanh(this.transform.call(tf.concat([support, yHatSlice], 3))))));
  }

  /**
   * The deterministic twin of {@link LatentResidualPrediction.call}: `(support, slice) =>
   * slice + 0.5 tanh(transform([support, slice]))` with a deterministic tanh.
   */
  async exact(): Promise<(support: ExactMap, yHatSlice: ExactMap) => ExactMap> {
    const transform = await this.transform.exact();
    return (support, yHatSlice) => {
      const r = transform(concatChannels([support, yHatSlice]));
      const out = new Float64Array(yHatSlice.data.length);
      for (let i = 0; i < out.length; i++) out[i] = yHatSlice.data[i]! + 0.5 * exactTanh(r.data[i]!);
      return { ...yHatSlice, data: out };
    };
  }
}
