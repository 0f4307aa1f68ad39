import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { resolveLossWeights } from './loss-weights.js';

/**
 * The weights of MRIC's loss (Agustsson et al. 2023, section 3.2; Nikolai10/MRIC
 * `config.py` and `amtm2023.py`, recorded in `shared/reference/ARCHITECTURES.md`, section
 * MRIC):
 *
 *     loss = mseWeight · MSE + mean_i(β_i · lpipsWeight · LPIPS_i) + λ · rateWeight · R
 *            + mean_i(β_i · g_i)
 *
 * with MSE on the 0-255 scale (batch mean), LPIPS_i and the non-saturating generator loss
 * g_i per image, R the noisy bits per pixel and β_i the realism weight image i was trained
 * with, drawn from U(0, betaMax).
 */
export interface MricLossWeights {
  /** Weight of the MSE on the 0-255 scale: 1/100. */
  readonly mseWeight: number;
  /** Weight of LPIPS inside the β-weighted term: 4.26. */
  readonly lpipsWeight: number;
  /** Factor on λ for the rate: 100. */
  readonly rateWeight: number;
  /** The rate-distortion trade-off λ: 0.128 (low rate) or 0.032 (higher rate) in the reference. */
  readonly lambda: number;
  /** Training β is drawn per image from U(0, betaMax): 5.12. */
  readonly betaMax: number;
}

/** MRIC's loss weights as in the reference (see {@link MricLossWeights}), at λ = 0.128. */
export const MRIC_LOSS_WEIGHTS: MricLossWeights = Object.freeze({
  mseWeight: 1 / 100,
  lpipsWeight: 4.26,
  rateWeight: 100,
  lambda: 0.128,
  betaMax: 5.12,
});

/**
 * The full set of weights from a partial one (missing fields: {@link MRIC_LOSS_WEIGHTS}).
 * @throws InvalidArgumentError for an unknown field, a negative or non-finite weight, or `betaMax` outside (0, 5.12].
 */
export function resolveMricLossWeights(weights: Partial<MricLossWeights> = {}): MricLossWeights {
  const w = resolveLossWeights('MRIC loss', MRIC_LOSS_WEIGHTS, weights);
  if (!(w.betaMax > 0 && w.betaMax <= 5.12)) throw new InvalidArgumentError(`MRIC loss: betaMax must be in (0, 5.12], found ${w.betaMax}`);
  return w;
}

/** The terms of {@link mricGeneratorLoss}. */
export interface MricLossTerms {
  /** R: mean bits per pixel of the noisy latents (the differentiable rate), a scalar. */
  readonly bpp: tf.Scalar;
  /** MSE on the 0-255 scale, the batch mean (a scalar). */
  readonly mse: tf.Scalar;
  /** β per image [N]. */
  readonly beta: tf.Tensor1D;
  /** LPIPS per image [N] (absent: no perceptual term). */
  readonly lpips?: tf.Tensor1D;
  /** Non-saturating generator loss per image [N] (absent in stage 1). */
  readonly gan?: tf.Tensor1D;
}

/** What {@link mricGeneratorLoss} returns: the loss and its weighted terms (scalars). */
export interface MricLoss {
  /** The loss to minimise. */
  readonly loss: tf.Scalar;
  /** mseWeight · MSE. */
  readonly weightedMse: tf.Scalar;
  /** mean_i(β_i · lpipsWeight · LPIPS_i), or absent. */
  readonly weightedLpips?: tf.Scalar;
  /** λ · rateWeight · R. */
  readonly weightedRate: tf.Scalar;
  /** mean_i(β_i · g_i), or absent. */
  readonly weightedGan?: tf.Scalar;
}

/**
 * MRIC's generator (encoder, entropy model, conditional synthesis) objective, exactly as
 * `shared/reference/ARCHITECTURES.md` (section MRIC) records the reference:
 *
 *     loss = 0.01 · MSE(0-255) + mean_i(β_i · 4.26 · LPIPS_i) + λ · 100 · bpp + mean_i(β_i · g_i)
 *
 * LPIPS and the GAN term are left out when absent (stage 1 has no GAN).
 * @param terms - The batch's rate, distortion, β and the optional per-image terms.
 * @param weights - Loss weights; default {@link MRIC_LOSS_WEIGHTS}.
 * @returns New tensors: the loss and each weighted term.
 * @throws ShapeError when a per-image term does not match β's length.
 */
export function mricGeneratorLoss(terms: MricLossTerms, weights: MricLossWeights = MRIC_LOSS_WEIGHTS): MricLoss {
  const n = terms.beta.shape[0];
  for (const [name, t] of [
    ['lpips', terms.lpips],
    ['gan', terms.gan],
  ] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== n)) throw new ShapeError(`MRIC loss: ${name} must be per image [${n}] like beta, found [${t.shape.join(', ')}]`);
  }
  const t: Record<string, tf.Tensor> = tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {
      weightedMse: tf.mul(weights.mseWeight, terms.mse),
      weightedRate: tf.mul(weights.lambda * weights.rateWeight, terms.bpp),
    };
    if (terms.lpips) out['weightedLpips'] = tf.mean(tf.mul(tf.mul(terms.beta, weights.lpipsWeight), terms.lpips));
    if (terms.gan) out['weightedGan'] = tf.mean(tf.mul(terms.beta, terms.gan));
    out['loss'] = tf.addN(Object.values(out));
    return out;
  });
  const scalar = (k: string): tf.Scalar => t[k] as tf.Scalar;
  return {
    loss: scalar('loss'),
    weightedMse: scalar('weightedMse'),
    weightedRate: scalar('weightedRate'),
    ...(t['weightedLpips'] ? { weightedLpips: scalar('weightedLpips') } : {}),
    ...(t['weightedGan'] ? { weightedGan: scalar('weightedGan') } : {}),
  };
}
