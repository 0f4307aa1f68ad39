import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import type { ConvPadding } from '../conv/padding.js';
import { checkElicChannels, checkInteger, checkNhwc } from '../internal/checks.js';
import type { Layer } from '../internal/layer.js';
import { runSequence } from '../internal/layer.js';
import { buildElicSynthesisSteps } from './elic-synthesis-layout.js';
import { ResidualBottleneckBlock } from './residual-bottleneck-block.js';

/** Options of {@link ElicSynthesis}. */
export interface ElicSynthesisOptions {
  /** Channels of the latent; default 320. */
  readonly latentChannels?: number;
  /**
   * Output channels of the four stride-2 transposed convolutions; the last is the image's.
   * Default `[256, 256, 256, 3]` (MRIC).
   */
  readonly channels?: readonly [number, number, number, number];
  /** Residual blocks after each of the first three transposed convolutions; default 3. */
  readonly numResidualBlocks?: number;
  /** Kernel size of the transposed convolutions; default 5. */
  readonly kernelSize?: number;
  /** Padding of the transposed convolutions; default `'same'` (Keras, as the MRIC code). */
  readonly padding?: ConvPadding;
}

/**
 * Synthesis transform g_s of ELIC (He et al. 2022) as configured by MRIC (Agustsson et al.
 * 2023; Nikolai10/MRIC, google-research VCT `ElicSynthesis`), the mirror of
 * {@link ElicAnalysis} with transposed convolutions:
 *
 *     attention -> tconv5x5/2 c0 -> 3 RB -> tconv5x5/2 c1 -> attention -> 3 RB
 *     -> tconv5x5/2 c2 -> 3 RB -> tconv5x5/2 c3
 *
 * No activation after the last convolution (MRIC multiplies the output by 255; that is the
 * model's business). For MRIC's beta-conditional version see `ConditionalElicSynthesis`.
 *
 * Shapes: [N, h, w, latentChannels] -> [N, 16h, 16w, c3].
 * Variables: `attention0`, `conv0..3`, `res{i}_{j}`, `attention1`.
 */
export class ElicSynthesis extends Module {
  /** Channels of the latent. */
  readonly latentChannels: number;
  /** Widths of the four transposed convolutions. */
  readonly channels: readonly [number, number, number, number];
  readonly #steps: Layer[];

  /** @param options - Widths, depth and convolution settings; see {@link ElicSynthesisOptions}. */
  constructor(options: ElicSynthesisOptions = {}) {
    super();
    const owner = new.target.name;
    this.latentChannels = options.latentChannels ?? 320;
    checkInteger(owner, 'latentChannels', this.latentChannels);
    this.channels = checkElicChannels(owner, options.channels ?? [256, 256, 256, 3]);
    const blocks = options.numResidualBlocks ?? 3;
    checkInteger(owner, 'numResidualBlocks', blocks, 0);
    this.#steps = buildElicSynthesisSteps({
      add: (name, module) => this.addModule(name, module),
      latentChannels: this.latentChannels,
      channels: this.channels,
      numResidualBlocks: blocks,
      kernelSize: options.kernelSize ?? 5,
      padding: options.padding ?? 'same',
      blockPrefix: 'res',
      makeBlock: (width) => new ResidualBottleneckBlock(width),
    });
  }

  /**
   * @param y - The latent [N, h, w, latentChannels] float32.
   * @returns [N, 16h, 16w, channels[3]].
   * @throws ShapeError for another rank or channel count.
   */
  call(y: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, y, this.latentChannels);
    return runSequence(y, this.#steps) as tf.Tensor4D;
  }
}
