import type { Module } from '@ncomp/core';
import { ConvTranspose2d } from '../conv/conv-transpose2d.js';
import type { ConvPadding } from '../conv/padding.js';
import type { Layer } from '../internal/layer.js';
import { SimplifiedAttention } from './simplified-attention.js';

/** Settings of the ELIC synthesis layout shared by {@link ElicSynthesis} and its conditional twin. */
export interface ElicSynthesisLayout<B> {
  /** Registers a child module on the owner (its protected `addModule`). */
  readonly add: <M extends Module>(name: string, module: M) => M;
  /** Channels of the latent. */
  readonly latentChannels: number;
  /** Widths of the four stride-2 transposed convolutions. */
  readonly channels: readonly [number, number, number, number];
  /** Residual blocks after each of the first three convolutions. */
  readonly numResidualBlocks: number;
  /** Kernel size of the transposed convolutions. */
  readonly kernelSize: number;
  /** Padding of the transposed convolutions. */
  readonly padding: ConvPadding;
  /** Name prefix of the residual blocks in the state dict (`res`, `crb`). */
  readonly blockPrefix: string;
  /** Makes one residual block of the given width. */
  readonly makeBlock: (width: number) => B & Module;
}

/**
 * Builds, in order, the steps of the ELIC / MRIC synthesis: attention on the latent, then
 * four stride-2 transposed convolutions, each of the first three followed by the residual
 * blocks, with a second attention after the second convolution. Every step is registered
 * under the names `attention0`, `conv{i}`, `attention1` and `{blockPrefix}{i}_{j}`.
 */
export function buildElicSynthesisSteps<B>(layout: ElicSynthesisLayout<B>): Array<Layer | B> {
  const { add, channels, numResidualBlocks, kernelSize, blockPrefix, makeBlock } = layout;
  const convOptions = { stride: 2, padding: layout.padding } as const;
  const steps: Array<Layer | B> = [];
  let width = layout.latentChannels;
  steps.push(add('attention0', new SimplifiedAttention(width)));
  for (let i = 0; i < 4; i++) {
    const out = channels[i]!;
    steps.push(add(`conv${i}`, new ConvTranspose2d(width, out, kernelSize, convOptions)));
    width = out;
    if (i === 1) steps.push(add('attention1', new SimplifiedAttention(width)));
    if (i < 3) {
      for (let j = 0; j < numResidualBlocks; j++) steps.push(add(`${blockPrefix}${i}_${j}`, makeBlock(width)));
    }
  }
  return steps;
}
