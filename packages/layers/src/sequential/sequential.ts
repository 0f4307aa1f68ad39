import { InvalidArgumentError, Module, exactOf, mapValues, type ExactEvaluable, type ExactFn, type ExactStepFunction } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';

/** A layer with a forward pass on one tensor. */
export interface CallableModule extends Module {
  /** Forward pass. */
  call(x: tf.Tensor): tf.Tensor;
}

/** A step of a {@link Sequential}: a layer, or a parameter-free function such as an activation. */
export type SequentialStep = CallableModule | ((x: tf.Tensor) => tf.Tensor);

/**
 * Layers applied one after another, like `torch.nn.Sequential` / `tf.keras.Sequential`.
 * Module steps become children named by their position (`"0"`, `"2"`, ...), so the
 * state dict keys match a PyTorch `nn.Sequential` of the same layers (a function step
 * still takes its index, as PyTorch's activation modules do).
 */
export class Sequential extends Module implements ExactEvaluable {
  /** The steps in order. */
  readonly steps: readonly SequentialStep[];

  /**
   * @param steps - Layers and functions, applied in order.
   * @throws InvalidArgumentError for an empty list.
   */
  constructor(steps: readonly SequentialStep[]) {
    super();
    if (steps.length === 0) throw new InvalidArgumentError('Sequential needs at least one step');
    steps.forEach((step, i) => {
      if (step instanceof Module) this.addModule(String(i), step);
    });
    this.steps = [...steps];
  }

  /** Applies every step in order. */
  call(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const step of this.steps) y = step instanceof Module ? step.call(y) : step(y);
      return y;
    });
  }
  /**
   * The deterministic twin of {@link Sequential.call}: every step's own twin in turn
   * (modules through `exact()`, functions such as {@link relu} through their `exact`
   * property).
   * @throws InvalidArgumentError naming the first step without one.
   */
  async exact(): Promise<ExactFn> {
    const fns = await Promise.all(
      this.steps.map((step, i) => {
        if (step instanceof Module) return exactOf(`Sequential step ${i}`, step);
        const twin = (step as Partial<ExactStepFunction>).exact;
        if (typeof twin !== 'function') {
          return Promise.reject(
            new InvalidArgumentError(
              `Sequential step ${i} is a function without a deterministic twin (an "exact" property); use relu / leakyRelu from @ncomp/layers or a module`,
            ),
          );
        }
        return Promise.resolve(twin);
      }),
    );
    return (x) => fns.reduce((y, f) => f(y), x);
  }
}

/** ReLU as a {@link SequentialStep}. */
export const relu: ExactStepFunction = Object.assign((x: tf.Tensor): tf.Tensor => tf.relu(x), {
  exact: ((m) => mapValues(m, (v) => (v > 0 ? v : 0))) as ExactFn,
});

/** Leaky ReLU (slope 0.01 unless given, PyTorch's default) as a {@link SequentialStep}. */
export const leakyRelu = (alpha = 0.01): ExactStepFunction =>
  Object.assign((x: tf.Tensor): tf.Tensor => tf.leakyRelu(x, alpha), {
    exact: ((m) => mapValues(m, (v) => (v > 0 ? v : v * alpha))) as ExactFn,
  });
