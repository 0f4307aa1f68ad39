import { InvalidArgumentError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { resolveLossWeights } from './loss-weights.js';

/**
 * The weights and rate target of HiFiC's loss (TFC `models/hific/configs.py`, config
 * `hific`; recorded in `shared/reference/ARCHITECTURES.md`, section HiFiC):
 *
 *     loss = C (R / λ + CD · MSE) + CP · GAN + lpipsWeight · LPIPS
 *
 * with R the (noisy) bits per pixel, MSE on the 0-255 scale, and λ = `lambdaA` while the
 * quantized rate is above `target`, `lambdaB` otherwise. During the first `warmupSteps`
 * steps of a stage, λ is multiplied by `warmupLambdaFactor` and the target by
 * `warmupTargetFactor` (TFC's `lambda_schedule` and `target_schedule`).
 */
export interface HificLossWeights {
  /** C, the overall rate-distortion weight: 0.1 · 2^-5. */
  readonly C: number;
  /** CD, the distortion weight inside C: 0.75. */
  readonly CD: number;
  /** CP, the weight of the generator's GAN loss: 0.15 (0.1 · 1.5). */
  readonly CP: number;
  /** Weight of LPIPS (AlexNet-lin v0.1): 1. */
  readonly lpipsWeight: number;
  /** Target rate r_t in bits per pixel: 0.14. */
  readonly target: number;
  /** λ when the rate is above the target: 0.1 · 2^-6 (rate weight C / λ = 2). */
  readonly lambdaA: number;
  /** λ when the rate is at or below the target: 0.1 · 2^1 (rate weight 2^-6). */
  readonly lambdaB: number;
  /** Steps of the warm-up schedule: 50 000. */
  readonly warmupSteps: number;
  /** Factor on λ during warm-up: 2. */
  readonly warmupLambdaFactor: number;
  /** Factor on the target during warm-up: 0.20 / 0.14. */
  readonly warmupTargetFactor: number;
}

/** HiFiC's loss weights as in TFC's `hific` configuration (see {@link HificLossWeights}). */
export const HIFIC_LOSS_WEIGHTS: HificLossWeights = Object.freeze({
  C: 0.1 * 2 ** -5,
  CD: 0.75,
  CP: 0.1 * 1.5,
  lpipsWeight: 1,
  target: 0.14,
  lambdaA: 0.1 * 2 ** -6,
  lambdaB: 0.1 * 2 ** 1,
  warmupSteps: 50000,
  warmupLambdaFactor: 2,
  warmupTargetFactor: 0.2 / 0.14,
});

/**
 * The full set of weights from a partial one (missing fields: {@link HIFIC_LOSS_WEIGHTS}).
 * @throws InvalidArgumentError for an unknown field, a negative or non-finite weight, a non-positive λ or
 *   target, or `lambdaA >= lambdaB` (the reference's check: a rate above the target must
 *   weigh more).
 */
export function resolveHificLossWeights(weights: Partial<HificLossWeights> = {}): HificLossWeights {
  const w = resolveLossWeights('HiFiC loss', HIFIC_LOSS_WEIGHTS, weights);
  for (const k of ['lambdaA', 'lambdaB', 'target', 'warmupLambdaFactor', 'warmupTargetFactor'] as const) {
    if (!(w[k] > 0)) throw new InvalidArgumentError(`HiFiC loss weight ${k} must be > 0, found ${w[k]}`);
  }
  if (!(w.lambdaA < w.lambdaB)) throw new InvalidArgumentError(`HiFiC loss: expected lambdaA < lambdaB, found ${w.lambdaA} >= ${w.lambdaB}`);
  return w;
}

/** λ_a, λ_b and the target rate in force at a step (see {@link HificLossWeights}). */
export interface HificRateSchedule {
  /** λ above the target. */
  readonly lambdaA: number;
  /** λ at or below the target. */
  readonly lambdaB: number;
  /** Target bits per pixel. */
  readonly target: number;
}

/**
 * λ_a, λ_b and the target at `step` (steps done before this one, counted within the
 * training stage): during the first `warmupSteps`, λs times `warmupLambdaFactor` and
 * the target times `warmupTargetFactor`; afterwards the configured values (TFC
 * `model.py` `_scheduled_value` with `steps=[50000]`).
 */
export function hificRateSchedule(step: number, weights: HificLossWeights = HIFIC_LOSS_WEIGHTS): HificRateSchedule {
  const warm = step < weights.warmupSteps;
  const f = warm ? weights.warmupLambdaFactor : 1;
  return { lambdaA: weights.lambdaA * f, lambdaB: weights.lambdaB * f, target: weights.target * (warm ? weights.warmupTargetFactor : 1) };
}

/**
 * The terms of {@link hificGeneratorLoss}, scalar tensors (batch means), with the quantized
 * rate `qbpp` as a number (`Q = number`) or as a scalar tensor (`Q = tf.Scalar`).
 */
export interface HificLossTerms<Q extends number | tf.Scalar = number> {
  /** R: bits per pixel of the noisy latents (the differentiable rate). */
  readonly bpp: tf.Scalar;
  /**
   * Bits per pixel of the quantized latents: decides λ. As a number it must have been read
   * back; as a tensor the switch is a `tf.where` in the graph (no read, so it works inside
   * a gradient tape on every backend, webgpu included). No gradient flows through it.
   */
  readonly qbpp: Q;
  /** MSE on the 0-255 scale. */
  readonly mse: tf.Scalar;
  /** LPIPS distance (absent: no perceptual term). */
  readonly lpips?: tf.Scalar;
  /** Non-saturating generator loss (absent in stage 1). */
  readonly gan?: tf.Scalar;
}

/** What {@link hificGeneratorLoss} returns. */
export interface HificLoss<Q extends number | tf.Scalar = number> {
  /** The loss to minimise. */
  readonly loss: tf.Scalar;
  /**
   * The λ used: λ_a or λ_b of the step's schedule; a number when `qbpp` was one, else a new
   * scalar tensor (float32, the caller disposes it).
   */
  readonly lambda: Q;
}

/**
 * The smallest float32 above `t` (t >= 0 finite): for a float32 value q, `q > t` exactly
 * when `q >= float32Above(t)`, so a float32 comparison in the graph decides as the float64
 * comparison of the read value did.
 */
function float32Above(t: number): number {
  const f = new Float32Array([t]);
  if (f[0]! > t) return f[0]!;
  const bits = new Int32Array(f.buffer);
  bits[0] = bits[0]! + 1; // the next float32 up (t >= 0)
  return f[0]!;
}

/**
 * HiFiC's generator (encoder, hyperprior, generator) objective, exactly as
 * `shared/reference/ARCHITECTURES.md` (section HiFiC) records TFC's `models/hific`:
 *
 *     loss = C · (R / λ + CD · MSE) + CP · GAN + lpipsWeight · LPIPS
 *     λ    = λ_a if qbpp > target else λ_b       (TFC `_get_weighted_rate_loss`)
 *
 * R is the noisy-latent rate `bpp` and the switch reads the quantized rate `qbpp`, as TFC
 * does (`total_nbpp` weighted, `total_qbpp` compared); MSE is on the 0-255 scale. The GAN
 * and LPIPS terms are left out when absent (stage 1 has no GAN: TFC's `mselpips`). With
 * `qbpp` a tensor, λ is chosen in the graph, with the same outcome as comparing the read
 * value, and the same loss.
 * @param terms - The batch's rate, distortion and (optional) perceptual and GAN terms.
 * @param step - Steps done in this stage (for the warm-up schedule).
 * @param weights - Loss weights; default {@link HIFIC_LOSS_WEIGHTS}.
 * @returns The loss (a new tensor) and the λ used.
 */
export function hificGeneratorLoss<Q extends number | tf.Scalar = number>(
  terms: HificLossTerms<Q>,
  step: number,
  weights: HificLossWeights = HIFIC_LOSS_WEIGHTS,
): HificLoss<Q> {
  const { lambdaA, lambdaB, target } = hificRateSchedule(step, weights);
  const qbpp: number | tf.Scalar = terms.qbpp;
  const out = tf.tidy(() => {
    const lambda = typeof qbpp === 'number' ? (qbpp > target ? lambdaA : lambdaB) : tf.where(tf.greaterEqual(qbpp, float32Above(target)), lambdaA, lambdaB);
    let loss = tf.mul(weights.C, tf.add(tf.div(terms.bpp, lambda), tf.mul(weights.CD, terms.mse))) as tf.Scalar;
    if (terms.gan) loss = tf.add(loss, tf.mul(weights.CP, terms.gan));
    if (terms.lpips) loss = tf.add(loss, tf.mul(weights.lpipsWeight, terms.lpips));
    return { loss, lambda };
  });
  return out as HificLoss<Q>;
}
