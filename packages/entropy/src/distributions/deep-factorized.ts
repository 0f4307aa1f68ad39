import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Module } from '@ncomp/core';
import type { Distribution } from './distribution.js';
import { solveMonotone, solveMonotoneAsync } from './helpers.js';
import { UniformNoiseAdapter } from './uniform-noise-adapter.js';

/** Options of {@link DeepFactorized}. */
export interface DeepFactorizedOptions {
  /** Batch shape: one independent density per element (typically `[channels]`). */
  readonly batchShape: readonly number[];
  /** Hidden layer widths of the cumulative network; default `[3, 3, 3]`. */
  readonly numFilters?: readonly number[];
  /** Density scale at initialisation; default 10 (most values start in high likelihood). */
  readonly initScale?: number;
  /** Seed for the bias initialisation. */
  readonly seed?: number;
}

/** Output of {@link DeepFactorized.logitsCumulative}. */
export interface CumulativeLogits {
  /** g(x): logits of the CDF, CDF = sigmoid(g(x)). */
  readonly logits: tf.Tensor;
  /** g'(x), present when requested (forward-mode derivative). */
  readonly derivative?: tf.Tensor;
}

/** log(exp(x) - 1), as TFC initialises the softplus-parameterised matrices. */
const logExpm1 = (x: number): number => (x < 15 ? Math.log(Math.expm1(x)) : x);

/**
 * Fully factorized density from a monotone neural network CDF (Ballé et al. 2018,
 * "Variational image compression with a scale hyperprior", appendix 6.1; TFC's
 * `DeepFactorized`). For each of the C = prod(batchShape) channels, the CDF is
 * `sigmoid(g(x))` where `g` is a tiny network 1 -> 3 -> 3 -> 3 -> 1 with matrices
 * `softplus(H_k)` (non-negative, so `g` is increasing), biases `b_k` and gated
 * nonlinearities `h + tanh(a_k) tanh(h)` between layers.
 *
 * Variables (`matrix_k` [C, f_k+1, f_k], `bias_k` [C, f_k+1, 1], `factor_k`
 * [C, f_k+1, 1]) are initialised as in TFC, so the initial density is spread over
 * about `initScale`. The density is `g'(x) sigmoid(g) sigmoid(-g)`, with `g'` computed
 * in forward mode alongside `g` (no second-order autodiff needed).
 *
 * @example
 * Entropy models use it through {@link NoisyDeepFactorized} (the density convolved with
 * unit uniform noise); this is the learned density itself.
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { DeepFactorized } from '@ncomp/entropy';
 *
 * await setBackend('auto');
 * const density = new DeepFactorized({ batchShape: [2], seed: 1 }); // one density per channel
 * const x = tf.tidy(() => tf.reshape(tf.linspace(-100, 100, 201), [201, 1])); // broadcast against [2]
 * const cdf = density.cdf(x);
 * const rows = (await cdf.array()) as number[][];
 * for (const c of [0, 1]) {
 *   // A CDF: increasing, from about 0 to about 1; initScale (10) sets the initial spread.
 *   for (let i = 1; i < rows.length; i++) assert.ok(rows[i]![c]! >= rows[i - 1]![c]!);
 *   assert.ok(rows[0]![c]! < 0.01 && rows[200]![c]! > 0.99);
 * }
 * // 2 channels x (matrices 3 + 9 + 9 + 3, biases 3 + 3 + 3 + 1, gates 3 + 3 + 3) parameters.
 * assert.equal(density.numParameters(), 2 * 43);
 * tf.dispose([x, cdf]);
 * density.dispose();
 * ```
 */
export class DeepFactorized extends Module implements Distribution {
  /** {@inheritDoc Distribution.batchShape} */
  readonly batchShape: readonly number[];
  /** Hidden layer widths. */
  readonly numFilters: readonly number[];
  /** Initial density scale. */
  readonly initScale: number;
  private readonly channels: number;
  private readonly matrices: tf.Variable[] = [];
  private readonly biases: tf.Variable[] = [];
  private readonly factors: tf.Variable[] = [];

  /** @param options - See {@link DeepFactorizedOptions}. */
  constructor(options: DeepFactorizedOptions) {
    super();
    const batchShape = [...options.batchShape];
    if (!batchShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new InvalidArgumentError(`batchShape must hold positive integers, found [${batchShape.join(', ')}]`);
    }
    this.batchShape = batchShape;
    this.numFilters = [...(options.numFilters ?? [3, 3, 3])];
    this.initScale = options.initScale ?? 10;
    this.channels = batchShape.reduce((a, b) => a * b, 1);
    const filters = [1, ...this.numFilters, 1];
    const scale = this.initScale ** (1 / (this.numFilters.length + 1));
    const c = this.channels;
    for (let i = 0; i < filters.length - 1; i++) {
      const fin = filters[i]!;
      const fout = filters[i + 1]!;
      this.matrices.push(this.addWeight(`matrix_${i}`, () => tf.fill([c, fout, fin], logExpm1(1 / scale / fout))));
      this.biases.push(
        this.addWeight(`bias_${i}`, () => tf.randomUniform([c, fout, 1], -0.5, 0.5, 'float32', options.seed === undefined ? undefined : options.seed + i)),
      );
      if (i < filters.length - 2) this.factors.push(this.addWeight(`factor_${i}`, () => tf.zeros([c, fout, 1])));
    }
  }

  /**
   * Logits of the CDF, g(x), and their derivative g'(x), for inputs broadcast to the
   * batch shape on the right. Both have the broadcast shape.
   */
  logitsCumulative(x: tf.Tensor, withDerivative = false): CumulativeLogits {
    return tf.tidy(() => {
      const shape = tf.broadcast_util.assertAndGetBroadcastShape(x.shape, [...this.batchShape]);
      const inputs = tf.broadcastTo(x, shape);
      // [..., C] -> [C, 1, N]
      let h = tf.transpose(tf.reshape(inputs, [-1, 1, this.channels]), [2, 1, 0]);
      let d: tf.Tensor | undefined = withDerivative ? tf.onesLike(h) : undefined;
      const layers = this.matrices.length;
      for (let i = 0; i < layers; i++) {
        const m = tf.softplus(this.matrices[i]!);
        h = tf.add(tf.matMul(m, h), this.biases[i]!);
        if (d) d = tf.matMul(m, d);
        if (i < layers - 1) {
          const gate = tf.tanh(this.factors[i]!);
          const th = tf.tanh(h);
          if (d) d = tf.mul(d, tf.add(1, tf.mul(gate, tf.sub(1, tf.square(th)))));
          h = tf.add(h, tf.mul(gate, th));
        }
      }
      const back = (t: tf.Tensor): tf.Tensor => tf.reshape(tf.transpose(t, [2, 1, 0]), shape);
      return d ? { logits: back(h), derivative: back(d) } : { logits: back(h) };
    });
  }

  /** {@inheritDoc Distribution.logCdf} */
  logCdf(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.neg(tf.softplus(tf.neg(this.logitsCumulative(x).logits))));
  }

  /** {@inheritDoc Distribution.logSurvival} */
  logSurvival(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.neg(tf.softplus(this.logitsCumulative(x).logits)));
  }

  /** {@inheritDoc Distribution.cdf} */
  cdf(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.sigmoid(this.logitsCumulative(x).logits));
  }

  /** {@inheritDoc Distribution.survival} */
  survival(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.sigmoid(tf.neg(this.logitsCumulative(x).logits)));
  }

  /** {@inheritDoc Distribution.logProb} */
  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { logits, derivative } = this.logitsCumulative(x, true);
      return tf.sub(tf.add(tf.log(derivative!), tf.neg(tf.softplus(tf.neg(logits)))), tf.softplus(logits));
    });
  }

  /** {@inheritDoc Distribution.prob} */
  prob(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logProb(x)));
  }

  /** The quantization offset of DeepFactorized is 0, as in TFC. */
  quantizationOffset(): tf.Tensor {
    return tf.zeros([...this.batchShape]);
  }

  /**
   * Where g(x) = logit(tailMass / 2), solved per channel by bisection. Reads synchronously
   * (cpu, wasm, tensorflow); {@link DeepFactorized.lowerTailAsync} runs on every backend.
   */
  lowerTail(tailMass: number): tf.Tensor {
    return solveMonotone((t) => this.logitsCumulative(t).logits, tailLogit(tailMass, -1), this.batchShape, true);
  }

  /** Where g(x) = -logit(tailMass / 2); reads synchronously, as {@link DeepFactorized.lowerTail}. */
  upperTail(tailMass: number): tf.Tensor {
    return solveMonotone((t) => this.logitsCumulative(t).logits, tailLogit(tailMass, 1), this.batchShape, true);
  }

  /** {@link DeepFactorized.lowerTail} with asynchronous reads: the same result, on every backend. */
  lowerTailAsync(tailMass: number): Promise<tf.Tensor> {
    return solveMonotoneAsync((t) => this.logitsCumulative(t).logits, tailLogit(tailMass, -1), this.batchShape, true);
  }

  /** {@link DeepFactorized.upperTail} with asynchronous reads. */
  upperTailAsync(tailMass: number): Promise<tf.Tensor> {
    return solveMonotoneAsync((t) => this.logitsCumulative(t).logits, tailLogit(tailMass, 1), this.batchShape, true);
  }
}

/** The logit where the lower (`side` -1) or upper (+1) tail leaves `tailMass / 2`: ±logit(tailMass / 2). */
function tailLogit(tailMass: number, side: -1 | 1): number {
  return -side * Math.log(tailMass / 2 / (1 - tailMass / 2));
}

/**
 * {@link DeepFactorized} convolved with unit-width uniform noise (TFC's
 * `NoisyDeepFactorized`): the prior of the factorized-prior codec (Ballé et al. 2017)
 * and of the hyper-latent in hyperprior codecs. Its variables live in the child
 * module `base`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { NoisyDeepFactorized } from '@ncomp/entropy';
 *
 * await setBackend('auto');
 * const prior = new NoisyDeepFactorized({ batchShape: [3] }); // three channels
 * const x = tf.tensor2d([[0, 0.5, -2], [1, 0, 3]]); // the innermost axis is the channel
 * const p = prior.prob(x); // density of the noisy distribution at x
 * assert.ok((await p.data()).every((v) => v > 0 && v <= 1)); // unit-width noise: at most 1
 * tf.dispose([x, p]);
 * prior.dispose();
 * ```
 */
export class NoisyDeepFactorized extends Module implements Distribution {
  /** The underlying density. */
  readonly base: DeepFactorized;
  /** {@inheritDoc Distribution.batchShape} */
  readonly batchShape: readonly number[];
  private readonly adapter: UniformNoiseAdapter;

  /** @param options - See {@link DeepFactorizedOptions}. */
  constructor(options: DeepFactorizedOptions) {
    super();
    this.base = this.addModule('base', new DeepFactorized(options));
    this.batchShape = this.base.batchShape;
    this.adapter = new UniformNoiseAdapter(this.base);
  }

  /** {@inheritDoc Distribution.logProb} */
  logProb(x: tf.Tensor): tf.Tensor {
    return this.adapter.logProb(x);
  }

  /** {@inheritDoc Distribution.prob} */
  prob(x: tf.Tensor): tf.Tensor {
    return this.adapter.prob(x);
  }

  /** Zero, as for the base. */
  quantizationOffset(): tf.Tensor {
    return this.base.quantizationOffset();
  }

  /** The base's lower tail. */
  lowerTail(tailMass: number): tf.Tensor {
    return this.base.lowerTail(tailMass);
  }

  /** The base's upper tail. */
  upperTail(tailMass: number): tf.Tensor {
    return this.base.upperTail(tailMass);
  }

  /** The base's lower tail, read asynchronously. */
  lowerTailAsync(tailMass: number): Promise<tf.Tensor> {
    return this.base.lowerTailAsync(tailMass);
  }

  /** The base's upper tail, read asynchronously. */
  upperTailAsync(tailMass: number): Promise<tf.Tensor> {
    return this.base.upperTailAsync(tailMass);
  }
}
