import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import type { ConvPadding } from '../conv/padding.js';
import { buildElicSynthesisSteps } from '../elic/elic-synthesis-layout.js';
import { checkElicChannels, checkInteger, checkNhwc } from '../internal/checks.js';
import type { Layer } from '../internal/layer.js';
import { ConditionalResidualBlock } from './conditional-residual-block.js';

/** Options of {@link ConditionalElicSynthesis}. */
export interface ConditionalElicSynthesisOptions {
  /** Channels of the latent; default 320. */
  readonly latentChannels?: number;
  /** Output channels of the four stride-2 transposed convolutions; default `[256, 256, 256, 3]`. */
  readonly channels?: readonly [number, number, number, number];
  /** Conditional residual blocks after each of the first three convolutions; default 3. */
  readonly numResidualBlocks?: number;
  /** Width of the conditioning features f; default 512. */
  readonly featureChannels?: number;
  /** Kernel size of the transposed convolutions; default 5. */
  readonly kernelSize?: number;
  /** Padding of the transposed convolutions; default `'same'` (Keras, as the MRIC code). */
  readonly padding?: ConvPadding;
}

/**
 * MRIC's beta-conditional synthesis transform (Agustsson et al. 2023; Nikolai10/MRIC
 * `build_elic_synthesis`): {@link ElicSynthesis} with every residual block replaced by a
 * {@link ConditionalResidualBlock} driven by the shared features f:
 *
 *     attention -> tconv5x5/2 c0 -> 3 CRB -> tconv5x5/2 c1 -> attention -> 3 CRB
 *     -> tconv5x5/2 c2 -> 3 CRB -> tconv5x5/2 c3
 *
 * f = `ConditioningMlp.call(fourierFeatures(beta))`. MRIC multiplies the output by 255;
 * that is the model's business.
 *
 * Shapes: y [N, h, w, latentChannels], f [N, featureChannels] -> [N, 16h, 16w, c3].
 * Variables: `attention0`, `conv0..3`, `crb{i}_{j}`, `attention1`.
 */
export class ConditionalElicSynthesis extends Module {
  /** Channels of the latent. */
  readonly latentChannels: number;
  /** Width of the conditioning features. */
  readonly featureChannels: number;
  /** Widths of the four transposed convolutions. */
  readonly channels: readonly [number, number, number, number];
  readonly #steps: Array<Layer | ConditionalResidualBlock>;

  /** @param options - Widths, depth and convolution settings; see {@link ConditionalElicSynthesisOptions}. */
  constructor(options: ConditionalElicSynthesisOptions = {}) {
    super();
    const owner = new.target.name;
    this.latentChannels = options.latentChannels ?? 320;
    this.featureChannels = options.featureChannels ?? 512;
    checkInteger(owner, 'latentChannels', this.latentChannels);
    checkInteger(owner, 'featureChannels', this.featureChannels);
    this.channels = checkElicChannels(owner, options.channels ?? [256, 256, 256, 3]);
    const blocks = options.numResidualBlocks ?? 3;
    checkInteger(owner, 'numResidualBlocks', blocks, 0);
    const featureChannels = this.featureChannels;
    this.#steps = buildElicSynthesisSteps({
      add: (name, module) => this.addModule(name, module),
      latentChannels: this.latentChannels,
      channels: this.channels,
      numResidualBlocks: blocks,
      kernelSize: options.kernelSize ?? 5,
      padding: options.padding ?? 'same',
      blockPrefix: 'crb',
      makeBlock: (width) => new ConditionalResidualBlock(width, featureChannels),
    });
  }

  /**
   * @param y - The latent [N, h, w, latentChannels] float32.
   * @param features - f [N, featureChannels].
   * @returns [N, 16h, 16w, channels[3]].
   * @throws ShapeError for mismatched shapes.
   */
  call(y: tf.Tensor, features: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, y, this.latentChannels);
    return tf.tidy(() => {
      let h: tf.Tensor = y;
      for (const step of this.#steps) h = step instanceof ConditionalResidualBlock ? step.call(h, features) : step.call(h);
      return h as tf.Tensor4D;
    });
  }
}
