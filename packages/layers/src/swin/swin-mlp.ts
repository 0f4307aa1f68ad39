import * as tf from '@tensorflow/tfjs-core';
import { Module, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { exactGelu } from '../exact/swin-exact.js';
import { Dense } from '../dense/dense.js';
import { checkInteger } from '../internal/checks.js';
import { gelu } from './gelu.js';

/**
 * The feed-forward network of a Swin block (Liu et al. 2021; `swins/blocks/mlp.py`):
 * Dense(dim -> hidden) -> {@link gelu} -> Dense(hidden -> dim), both with bias (no dropout:
 * SwinT-ChARM and EGIC train without it).
 *
 * Shapes: [..., dim] -> [..., dim].
 * Variables: `fc1`, `fc2` (each `kernel`, `bias`).
 */
export class SwinMlp extends Module implements ExactEvaluable {
  /** Input and output features. */
  readonly dim: number;
  /** Hidden features (4 dim in Swin). */
  readonly hidden: number;
  /** First layer, dim -> hidden. */
  readonly fc1: Dense;
  /** Second layer, hidden -> dim. */
  readonly fc2: Dense;

  /**
   * @param dim - Input and output features.
   * @param hidden - Hidden features.
   * @throws InvalidArgumentError for non-positive sizes.
   */
  constructor(dim: number, hidden: number) {
    super();
    checkInteger(new.target.name, 'dim', dim);
    checkInteger(new.target.name, 'hidden', hidden);
    this.dim = dim;
    this.hidden = hidden;
    this.fc1 = this.addModule('fc1', new Dense(dim, hidden));
    this.fc2 = this.addModule('fc2', new Dense(hidden, dim));
  }

  /**
   * @param x - [..., dim] float32.
   * @returns [..., dim].
   * @throws ShapeError when the last axis is not `dim`.
   */
  call(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc2.call(gelu(this.fc1.call(x))));
  }

  /** The deterministic twin of {@link SwinMlp.call} (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const fc1 = await this.fc1.exact();
    const fc2 = await this.fc2.exact();
    return (x) => fc2(exactGelu(fc1(x)));
  }
}
