import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import { Conv2d } from '../conv/conv2d.js';
import type { ConvPadding } from '../conv/padding.js';
import { checkElicChannels, checkInteger, checkNhwc } from '../internal/checks.js';
import type { Layer } from '../internal/layer.js';
import { runSequence } from '../internal/layer.js';
import { ResidualBottleneckBlock } from './residual-bottleneck-block.js';
import { SimplifiedAttention } from './simplified-attention.js';

/** Options of {@link ElicAnalysis}. */
export interface ElicAnalysisOptions {
  /** Channels of the input image; default 3. */
  readonly inputChannels?: number;
  /**
   * Output channels of the four stride-2 convolutions; the last is the latent depth.
   * Default `[256, 256, 256, 320]` (MRIC; ELIC's paper uses `[192, 192, 192, 320]`).
   */
  readonly channels?: readonly [number, number, number, number];
  /** Residual blocks after each of the first three convolutions; default 3. */
  readonly numResidualBlocks?: number;
  /** Kernel size of the strided convolutions; default 5. */
  readonly kernelSize?: number;
  /** Padding of the strided convolutions; default `'same'` (Keras, as the MRIC code). */
  readonly padding?: ConvPadding;
}

/**
 * Analysis transform g_a of ELIC (He et al. 2022) as configured by MRIC (Agustsson et al.
 * 2023, "Multi-realism image compression with a conditional generator"; Nikolai10/MRIC and
 * google-research VCT `ElicAnalysis`):
 *
 *     conv5x5/2 c0 -> 3 RB -> conv5x5/2 c1 -> 3 RB -> attention -> conv5x5/2 c2 -> 3 RB
 *     -> conv5x5/2 c3 -> attention
 *
 * RB = {@link ResidualBottleneckBlock}, attention = {@link SimplifiedAttention}; the strided
 * convolutions have bias and no activation. (MRIC feeds it pixel values in [0, 255].)
 *
 * Shapes: [N, H, W, inputChannels] -> [N, ceil(H/16), ceil(W/16), c3] (each stride-2
 * convolution gives ceil(H / 2)).
 * Variables: `conv0..3`, `res{i}_{j}` (j-th residual block after conv i), `attention1`,
 * `attention3`.
 */
export class ElicAnalysis extends Module {
  /** Channels of the input. */
  readonly inputChannels: number;
  /** Widths of the four convolutions. */
  readonly channels: readonly [number, number, number, number];
  readonly #steps: Layer[] = [];

  /** @param options - Widths, depth and convolution settings; see {@link ElicAnalysisOptions}. */
  constructor(options: ElicAnalysisOptions = {}) {
    super();
    const owner = new.target.name;
    this.inputChannels = options.inputChannels ?? 3;
    checkInteger(owner, 'inputChannels', this.inputChannels);
    this.channels = checkElicChannels(owner, options.channels ?? [256, 256, 256, 320]);
    const blocks = options.numResidualBlocks ?? 3;
    checkInteger(owner, 'numResidualBlocks', blocks, 0);
    const k = options.kernelSize ?? 5;
    const convOptions = { stride: 2, padding: options.padding ?? 'same' } as const;
    let width = this.inputChannels;
    for (let i = 0; i < 4; i++) {
      const out = this.channels[i]!;
      this.#steps.push(this.addModule(`conv${i}`, new Conv2d(width, out, k, convOptions)));
      width = out;
      if (i < 3) {
        for (let j = 0; j < blocks; j++) this.#steps.push(this.addModule(`res${i}_${j}`, new ResidualBottleneckBlock(width)));
      }
      if (i === 1 || i === 3) this.#steps.push(this.addModule(`attention${i}`, new SimplifiedAttention(width)));
    }
  }

  /**
   * @param x - [N, H, W, inputChannels] float32.
   * @returns The latent [N, ceil(H/16), ceil(W/16), channels[3]].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.inputChannels);
    return runSequence(x, this.#steps) as tf.Tensor4D;
  }
}
