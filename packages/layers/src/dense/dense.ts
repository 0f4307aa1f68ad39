import * as tf from '@tensorflow/tfjs-core';
import { Module, exactDense, readExact, type ExactEvaluable, type ExactFn } from '@ncomp/core';
import { checkChannelsLast, checkInteger } from '../internal/checks.js';
import type { KernelInitializer } from '../conv/initializers.js';
import { initKernel } from '../conv/initializers.js';

/** Options of {@link Dense}. */
export interface DenseOptions {
  /** Whether to add a learned bias (initialised to 0). Default `true`. */
  readonly useBias?: boolean;
  /** Kernel initialisation; default `'glorotUniform'` (Keras `Dense`). */
  readonly kernelInitializer?: KernelInitializer;
}

/**
 * Fully connected layer on the last axis (Keras `Dense`): y = x K + b.
 *
 * Shapes: [..., inFeatures] float32 -> [..., outFeatures] (any rank >= 1; on NHWC
 * tensors it is a 1x1 convolution).
 * Variables: `kernel` [inFeatures, outFeatures] (the Keras layout; a PyTorch `Linear`
 * weight [out, in] loads transposed) and, with `useBias`, `bias` [outFeatures].
 */
export class Dense extends Module implements ExactEvaluable {
  /** Input features (last axis of the input). */
  readonly inFeatures: number;
  /** Output features. */
  readonly outFeatures: number;
  /** The kernel variable [inFeatures, outFeatures]. */
  readonly kernel: tf.Variable;
  /** The bias variable [outFeatures], or `undefined` without bias. */
  readonly bias: tf.Variable | undefined;

  /**
   * @param inFeatures - Size of the input's last axis.
   * @param outFeatures - Size of the output's last axis.
   * @param options - Bias and initialiser.
   * @throws InvalidArgumentError for non-positive sizes or an unknown initialiser.
   */
  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    super();
    const owner = new.target.name;
    checkInteger(owner, 'inFeatures', inFeatures);
    checkInteger(owner, 'outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const init = options.kernelInitializer ?? 'glorotUniform';
    this.kernel = this.addWeight('kernel', () => initKernel(owner, init, [inFeatures, outFeatures], { fanIn: inFeatures, fanOut: outFeatures }));
    this.bias = (options.useBias ?? true) ? this.addWeight('bias', () => tf.zeros([outFeatures])) : undefined;
  }

  /**
   * @param x - [..., inFeatures] float32.
   * @returns [..., outFeatures].
   * @throws ShapeError when the last axis is not `inFeatures`.
   */
  call(x: tf.Tensor): tf.Tensor {
    checkChannelsLast(this.constructor.name, x, this.inFeatures, 1);
    return tf.tidy(() => {
      const flat = tf.reshape(x, [-1, this.inFeatures]);
      const y = tf.matMul(flat, this.kernel);
      const out = this.bias === undefined ? y : tf.add(y, this.bias);
      return tf.reshape(out, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  /** The deterministic twin of {@link Dense.call} on the last axis of a map (see `ExactEvaluable` in @ncomp/core). */
  async exact(): Promise<ExactFn> {
    const kernel = await readExact(this.kernel);
    const bias = this.bias ? await readExact(this.bias) : undefined;
    return (x) => exactDense(x, kernel, this.outFeatures, bias);
  }
}
