import { InvalidArgumentError, Module } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Gain units for variable rate (Cui et al. 2021, "Asymmetric gained deep image
 * compression with continuous rate adaptation"): one learned per-channel gain vector per
 * rate level scales the latent before quantization, and an inverse gain vector scales it
 * back before synthesis. A continuous quality `q` in [0, levels - 1] interpolates
 * neighbouring levels geometrically: g(q) = g_i^(1 - t) g_(i+1)^t, i = floor(q), t = q - i.
 *
 * Gains are stored as logarithms (`log_gain`, `log_inverse_gain`, [levels, C]) and
 * initialised to ±(1/2) log(λ_l / λ_ref), the gain that makes the quantization step of
 * level l scale like 1/sqrt(λ_l), so training starts near the right rate for every level.
 */
export class GainUnit extends Module {
  /** Number of levels L. */
  readonly levels: number;
  /** Channels C. */
  readonly channels: number;
  /** log g [L, C]. */
  readonly logGain: tf.Variable;
  /** log g' [L, C]. */
  readonly logInverseGain: tf.Variable;

  /**
   * @param channels - Latent channels.
   * @param lambdas - The rate-distortion trade-off of each level, increasing (more bits).
   * @param initialLogGains - Optional initial log g [levels][channels] (the inverse gains
   *   start at the negation), replacing the λ-based initialisation.
   */
  constructor(channels: number, lambdas: readonly number[], initialLogGains?: readonly (readonly number[])[]) {
    super();
    if (lambdas.length < 2 || lambdas.some((l, i) => !(l > 0) || (i > 0 && !(l > lambdas[i - 1]!)))) {
      throw new InvalidArgumentError(`gain unit lambdas must be at least 2 increasing positive numbers, found [${lambdas.join(', ')}]`);
    }
    this.levels = lambdas.length;
    this.channels = channels;
    if (initialLogGains && (initialLogGains.length !== this.levels || initialLogGains.some((row) => row.length !== channels))) {
      throw new InvalidArgumentError(`initialLogGains must be [${this.levels}][${channels}]`);
    }
    const ref = Math.sqrt(lambdas[0]! * lambdas[lambdas.length - 1]!);
    const init = initialLogGains ? initialLogGains.flat() : lambdas.flatMap((l) => new Array<number>(channels).fill(0.5 * Math.log(l / ref)));
    this.logGain = this.addWeight('log_gain', () => tf.tensor2d(init, [this.levels, channels]));
    this.logInverseGain = this.addWeight('log_inverse_gain', () =>
      tf.tensor2d(
        init.map((v) => -v),
        [this.levels, channels],
      ),
    );
  }

  /** Throws InvalidArgumentError unless `quality` is in [0, levels - 1]. */
  checkQuality(quality: number): void {
    if (!(quality >= 0 && quality <= this.levels - 1)) {
      throw new InvalidArgumentError(`quality must be in [0, ${this.levels - 1}], found ${quality}`);
    }
  }

  private interpolate(table: tf.Variable, quality: number): tf.Tensor1D {
    this.checkQuality(quality);
    const i = Math.min(Math.floor(quality), this.levels - 2);
    const t = quality - i;
    return tf.tidy(() => {
      const pair = tf.slice(table, [i, 0], [2, this.channels]);
      const w = tf.tensor2d([1 - t, t], [2, 1]);
      return tf.exp(tf.sum(tf.mul(pair, w), 0)) as tf.Tensor1D;
    });
  }

  /** The gain g(q) [C]. */
  /**
   * The natural logarithm of the gain at `quality`, interpolated in float64 from the stored
   * log-gains: the same bits on every backend, as the coding path needs (the index shift
   * log(gain) / step picks tables).
   * @throws InvalidArgumentError for a quality outside [0, levels - 1].
   */
  async exactLogGain(quality: number): Promise<Float64Array> {
    this.checkQuality(quality);
    const i = Math.min(Math.floor(quality), this.levels - 2);
    const t = quality - i;
    const table = (await this.logGain.data()) as Float32Array;
    const out = new Float64Array(this.channels);
    for (let c = 0; c < this.channels; c++) out[c] = table[i * this.channels + c]! * (1 - t) + table[(i + 1) * this.channels + c]! * t;
    return out;
  }

  /** The gain vector [channels] at `quality` (exp of the interpolated log-gains), on the backend. */
  gain(quality: number): tf.Tensor1D {
    return this.interpolate(this.logGain, quality);
  }

  /** The inverse gain g'(q) [C]. */
  inverseGain(quality: number): tf.Tensor1D {
    return this.interpolate(this.logInverseGain, quality);
  }
}

/**
 * Maps a gain table trained for `fromLambdas` to the levels `toLambdas`, for fine-tuning a
 * variable-rate model with more (or other) rate levels: a level whose λ is in `fromLambdas`
 * keeps its row; any other level gets, per channel, the log gain linear in log λ through
 * the two nearest trained levels (interpolated between them, extrapolated beyond the ends).
 * Log gains of a trained model are close to linear in log λ (the quantization step scales
 * like λ^(-1/2) at high rate), so this starts a new level near its rate.
 * @param table - log gains [fromLambdas.length][C] (or the inverse gains).
 * @param fromLambdas - Increasing λs of `table`'s rows.
 * @param toLambdas - Increasing λs of the wanted rows.
 * @returns [toLambdas.length][C].
 */
export function resampleLogGains(table: readonly (readonly number[])[], fromLambdas: readonly number[], toLambdas: readonly number[]): number[][] {
  if (table.length !== fromLambdas.length || fromLambdas.length < 2) {
    throw new InvalidArgumentError(`resampleLogGains: ${table.length} rows for ${fromLambdas.length} lambdas (need at least 2, one row each)`);
  }
  const x = fromLambdas.map((l) => Math.log(l));
  return toLambdas.map((lambda) => {
    const exact = fromLambdas.findIndex((l) => Math.abs(l - lambda) <= 1e-12 * l);
    if (exact >= 0) return [...table[exact]!];
    const t = Math.log(lambda);
    let i = 0;
    while (i < x.length - 2 && t > x[i + 1]!) i += 1;
    const w = (t - x[i]!) / (x[i + 1]! - x[i]!);
    return table[i]!.map((a, c) => a + w * (table[i + 1]![c]! - a));
  });
}
