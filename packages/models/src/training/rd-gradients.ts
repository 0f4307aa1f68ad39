import * as tf from '@tensorflow/tfjs-core';
import type { ImageCodec } from '../codec/image-codec.js';

/** Options of {@link rdGradients}. */
export interface RdGradientOptions {
  /** Rate level for variable-rate codecs (`quality` of the forward pass); undefined for fixed-rate ones. */
  readonly quality: number | undefined;
  /** λ of the loss λ 255² MSE + bpp. */
  readonly lambda: number;
  /**
   * Factor on the loss before differentiation (default 1). A slice of `n` images of a
   * batch of `N` passes `n / N`, so the gradients of the slices sum to the full batch's.
   */
  readonly weight?: number;
  /**
   * Uniform quantization noise (default true, Ballé et al.'s training proxy); false runs
   * the forward pass with straight-through rounding, which makes the gradient a
   * deterministic function of weights and batch.
   */
  readonly noise?: boolean;
}

/** What {@link rdGradients} computed: gradients and the batch's loss terms. */
export interface RdGradients {
  /** Gradients of `weight` × loss by state-dict name (the caller owns and disposes them); parameters the loss does not reach are absent. */
  readonly grads: Record<string, tf.Tensor>;
  /** Rate-distortion loss λ 255² MSE + bpp of the batch (not weighted). */
  readonly loss: number;
  /** Mean bits per pixel of the batch. */
  readonly bpp: number;
  /** Mean squared error of the batch on the [0, 1] scale. */
  readonly mse: number;
}

/** {@link rdGradients}'s gradients with its loss, bpp and MSE still as scalar tensors (the caller reads and disposes them). */
export interface RdGradientTensors {
  /** Gradients by parameter name. */
  readonly grads: Record<string, tf.Tensor>;
  /** The weighted loss, the mean bpp and the mean squared error, in that order. */
  readonly scalars: readonly [tf.Tensor, tf.Tensor, tf.Tensor];
}

/**
 * The gradients of the rate-distortion loss `λ·255²·MSE + bpp` (times `weight`) of a
 * batch, with the scalars unread: what {@link rdGradients} and {@link rdGradientsAsync}
 * share.
 */
export function rdGradientTensors(
  model: ImageCodec,
  params: ReadonlyMap<string, tf.Variable>,
  batch: tf.Tensor4D,
  options: RdGradientOptions,
): RdGradientTensors {
  const names = [...params.keys()];
  const vars = names.map((n) => params.get(n)!);
  const weight = options.weight ?? 1;
  const stats: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(batch, { training: options.noise ?? true, ...(options.quality === undefined ? {} : { quality: options.quality }) });
    const d = tf.mean(tf.squaredDifference(out.xHat, batch));
    const r = tf.mean(out.bpp);
    stats.push(tf.keep(r), tf.keep(d));
    const loss = tf.add(tf.mul(d, options.lambda * 255 * 255), r);
    return (weight === 1 ? loss : tf.mul(loss, weight)) as tf.Scalar;
  }, vars);
  const named: Record<string, tf.Tensor> = {};
  vars.forEach((v, i) => {
    const g = grads[v.name];
    if (g) named[names[i]!] = g;
  });
  return { grads: named, scalars: [value, stats[0]!, stats[1]!] };
}

/** The read scalars of {@link RdGradientTensors}: loss (un-weighted), bpp, MSE. */
function readReport(t: RdGradientTensors, values: readonly number[], weight: number): RdGradients {
  tf.dispose([...t.scalars]);
  return { grads: t.grads, loss: values[0]! / weight, bpp: values[1]!, mse: values[2]! };
}

/**
 * Gradients and statistics of one batch (synchronous reads: every backend but WebGPU;
 * {@link rdGradientsAsync} runs everywhere).
 * @param model - The codec.
 * @param params - Trainable variables by state-dict name.
 * @param batch - Images [N, H, W, 3] in [0, 1] (not disposed).
 * @param options - Level, λ, weight and noise (see {@link RdGradientOptions}).
 */
export function rdGradients(model: ImageCodec, params: ReadonlyMap<string, tf.Variable>, batch: tf.Tensor4D, options: RdGradientOptions): RdGradients {
  const t = rdGradientTensors(model, params, batch, options);
  return readReport(
    t,
    t.scalars.map((s) => s.dataSync()[0]!),
    options.weight ?? 1,
  );
}

/** {@link rdGradients} with asynchronous reads: runs on every backend, WebGPU included. */
export async function rdGradientsAsync(
  model: ImageCodec,
  params: ReadonlyMap<string, tf.Variable>,
  batch: tf.Tensor4D,
  options: RdGradientOptions,
): Promise<RdGradients> {
  const t = rdGradientTensors(model, params, batch, options);
  const values = await Promise.all(t.scalars.map(async (s) => (await s.data())[0]!));
  return readReport(t, values, options.weight ?? 1);
}
