import { Module } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2dOptions, ConvConfig } from './conv-config.js';
import { resolveConvConfig } from './conv-config.js';
import { initKernel } from './initializers.js';
import type { ConvPadding } from './padding.js';

/**
 * What every convolution layer shares (plain, transposed, spectral- and weight-
 * normalized): the validated configuration, its public description, kernel
 * initialisation and the optional bias. Subclasses add their kernel variables and
 * forward pass.
 */
export abstract class ConvLayer extends Module {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels (filters). */
  readonly outChannels: number;
  /** Kernel size `[kh, kw]`. */
  readonly kernelSize: readonly [number, number];
  /** Stride `[sh, sw]` (downsampling, or upsampling for transposed convolutions). */
  readonly stride: readonly [number, number];
  /** Padding mode. */
  readonly padding: ConvPadding;
  /** The resolved configuration. */
  protected readonly convConfig: ConvConfig;
  /** Class name used in error messages. */
  protected readonly owner: string;

  /**
   * @param inChannels - Channels of the input.
   * @param outChannels - Channels of the output.
   * @param kernelSize - Kernel size, one number or `[height, width]`.
   * @param options - Stride, padding, bias and initialiser.
   * @throws InvalidArgumentError for non-positive sizes or an unknown padding or initialiser.
   */
  protected constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dOptions) {
    super();
    this.owner = new.target.name;
    const config = resolveConvConfig(this.owner, inChannels, outChannels, kernelSize, options);
    this.convConfig = config;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = config.kernelSize;
    this.stride = config.stride;
    this.padding = config.padding;
  }

  /**
   * Registers a kernel variable of `shape` initialised with the configured initialiser.
   * @param fans - Fan-in and fan-out for the initialiser.
   */
  protected addKernel(name: string, shape: readonly [number, number, number, number], fans: { fanIn: number; fanOut: number }): tf.Variable {
    return this.addWeight(name, () => initKernel(this.owner, this.convConfig.kernelInitializer, [...shape], fans));
  }

  /** Registers the bias [outChannels] (zeros) when `useBias`, else returns `undefined`. */
  protected addBias(): tf.Variable | undefined {
    return this.convConfig.useBias ? this.addWeight('bias', () => tf.zeros([this.outChannels])) : undefined;
  }
}
