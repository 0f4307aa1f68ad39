import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import { Conv2d } from '../conv/conv2d.js';
import { checkInteger, checkNhwc } from '../internal/checks.js';
import { runSequence } from '../internal/layer.js';
import { ResidualBottleneckBlock } from './residual-bottleneck-block.js';

/** Options of {@link SimplifiedAttention}. */
export interface SimplifiedAttentionOptions {
  /** Residual blocks in each of the trunk and the branch; default 3. */
  readonly numBlocks?: number;
}

/**
 * Simplified attention module of Cheng et al. 2020 ("Learned image compression with
 * discretized Gaussian mixture likelihoods and attention modules"), as used by ELIC and
 * MRIC (`elic.SimpleAttention` of the MRIC / VCT code):
 *
 *     y = x + trunk(x) * sigmoid(conv1x1(branch(x)))
 *
 * trunk and branch are each 3 {@link ResidualBottleneckBlock}s; the 1x1 convolution has
 * bias. (CompressAI's `AttentionBlock` differs: its residual units end with a ReLU after
 * the sum.)
 *
 * Shapes: [N, H, W, c] -> [N, H, W, c].
 * Variables: `trunk0..2`, `branch0..2` (residual blocks), `branchConv` (1x1, c -> c).
 */
export class SimplifiedAttention extends Module {
  /** Channels c. */
  readonly channels: number;
  /** The trunk's residual blocks. */
  readonly trunk: readonly ResidualBottleneckBlock[];
  /** The branch's residual blocks. */
  readonly branch: readonly ResidualBottleneckBlock[];
  /** The branch's final 1x1 convolution (followed by a sigmoid). */
  readonly branchConv: Conv2d;

  /**
   * @param channels - Channels c (>= 2).
   * @param options - Number of residual blocks per path.
   * @throws InvalidArgumentError for non-positive sizes.
   */
  constructor(channels: number, options: SimplifiedAttentionOptions = {}) {
    super();
    const numBlocks = options.numBlocks ?? 3;
    checkInteger(new.target.name, 'channels', channels);
    checkInteger(new.target.name, 'numBlocks', numBlocks, 0);
    this.channels = channels;
    const trunk: ResidualBottleneckBlock[] = [];
    const branch: ResidualBottleneckBlock[] = [];
    for (let i = 0; i < numBlocks; i++) trunk.push(this.addModule(`trunk${i}`, new ResidualBottleneckBlock(channels)));
    for (let i = 0; i < numBlocks; i++) branch.push(this.addModule(`branch${i}`, new ResidualBottleneckBlock(channels)));
    this.trunk = trunk;
    this.branch = branch;
    this.branchConv = this.addModule('branchConv', new Conv2d(channels, channels, 1));
  }

  /**
   * @param x - [N, H, W, c] float32.
   * @returns [N, H, W, c].
   * @throws ShapeError for another rank or channel count.
   */
  call(x: tf.Tensor): tf.Tensor4D {
    checkNhwc(this.constructor.name, x, this.channels);
    return tf.tidy(() => {
      const trunk = runSequence(x, this.trunk);
      const gate = tf.sigmoid(this.branchConv.call(runSequence(x, this.branch)));
      return tf.add(x, tf.mul(trunk, gate));
    });
  }
}
