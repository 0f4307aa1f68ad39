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
 *
 * @example
 * A hyper-analysis in the style of Ballé et al. 2018 (conv, ReLU, strided conv):
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { exactMap, setBackend } from '@ncomp/core';
 * import { Conv2d, Sequential, relu } from '@ncomp/layers';
 *
 * await setBackend('auto');
 * const ha = new Sequential([new Conv2d(8, 4, 3), relu, new Conv2d(4, 4, 5, { stride: 2, padding: 'same_zeros' })]);
 * // Children are named by position, as in PyTorch: "1" is the ReLU, which has no weights.
 * assert.deepEqual([...ha.namedVariables().keys()], ['0.kernel', '0.bias', '2.kernel', '2.bias']);
 * const y = tf.randomNormal([1, 8, 8, 8]);
 * const z = ha.call(y);
 * assert.deepEqual(z.shape, [1, 4, 4, 4]);
 *
 * // The deterministic float64 twin (what the entropy-parameter paths run): every step needs
 * // one, which relu, leakyRelu and the convolutions have.
 * const twin = await ha.exact();
 * const out = twin(exactMap(8, 8, 8, Float64Array.from(await y.data())));
 * const zData = await z.data();
 * assert.deepEqual([out.height, out.width, out.channels], [4, 4, 4]);
 * out.data.forEach((v, i) => assert.ok(Math.abs(v - zData[i]!) < 1e-4));
 * tf.dispose([y, z]);
 * ha.dispose();
 * ```
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
