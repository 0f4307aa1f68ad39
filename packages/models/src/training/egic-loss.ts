import * as tf from '@tensorflow/tfjs-core';
import { resolveLossWeights } from './loss-weights.js';

/**
 * The weights of EGIC's losses (Körber et al. 2024; Nikolai10/EGIC `src/kkshms2024.py`,
 * recorded in `shared/reference/ARCHITECTURES.md`, section EGIC):
 *
 *     G = mseWeight · MSE + lpipsWeight · LPIPS + λ · R + ganWeight · g_loss
 *     D = CE(D(x), labels) + CE(D(x̂), fake) + labelMixWeight · LabelMix      (OASIS-C)
 *
 * with MSE on the 0-255 scale, R the noisy bits per pixel and g_loss the per-pixel
 * cross-entropy of D(x̂) against the real semantic labels (or, with the label-free
 * PatchGAN, the non-saturating generator loss). Stage 3 (the ORP head) minimises the MSE
 * of the head's prediction alone, unweighted.
 */
export interface EgicLossWeights {
  /** Weight of the MSE on the 0-255 scale: 0.1 · 2⁻⁵ · 0.75 (HiFiC's C · CD). */
  readonly mseWeight: number;
  /** Weight of LPIPS: 1. */
  readonly lpipsWeight: number;
  /** The rate weight λ on bits per pixel: 2 (the released recipe's `--lambda 2`; the reference's argparse default is 0.01). */
  readonly lambda: number;
  /** Weight of the generator's GAN term: 0.15. */
  readonly ganWeight: number;
  /** Weight of the LabelMix consistency term in the OASIS discriminator loss: 10. */
  readonly labelMixWeight: number;
}

/** EGIC's loss weights as in the reference (see {@link EgicLossWeights}), at the released recipe's λ = 2. */
export const EGIC_LOSS_WEIGHTS: EgicLossWeights = Object.freeze({
  mseWeight: 0.1 * 2 ** -5 * 0.75,
  lpipsWeight: 1,
  lambda: 2,
  ganWeight: 0.15,
  labelMixWeight: 10,
});

/**
 * The full set of weights from a partial one (missing fields: {@link EGIC_LOSS_WEIGHTS}).
 * @throws InvalidArgumentError for an unknown field or a negative or non-finite weight.
 */
export function resolveEgicLossWeights(weights: Partial<EgicLossWeights> = {}): EgicLossWeights {
  return resolveLossWeights('EGIC loss', EGIC_LOSS_WEIGHTS, weights);
}

/** The terms of {@link egicGeneratorLoss} (scalars). */
export interface EgicLossTerms {
  /** R: mean bits per pixel of the noisy latents. */
  readonly bpp: tf.Scalar;
  /** MSE on the 0-255 scale. */
  readonly mse: tf.Scalar;
  /** Mean LPIPS distance (absent: no perceptual term). */
  readonly lpips?: tf.Scalar;
  /** The generator's GAN loss (absent in stage 1). */
  readonly gan?: tf.Scalar;
}

/** What {@link egicGeneratorLoss} returns: the loss and its weighted terms (scalars). */
export interface EgicLoss {
  /** The loss to minimise. */
  readonly loss: tf.Scalar;
  /** mseWeight · MSE. */
  readonly weightedMse: tf.Scalar;
  /** lpipsWeight · LPIPS, or absent. */
  readonly weightedLpips?: tf.Scalar;
  /** λ · R. */
  readonly weightedRate: tf.Scalar;
  /** ganWeight · g_loss, or absent. */
  readonly weightedGan?: tf.Scalar;
}

/**
 * EGIC's generator objective of stages 1 and 2 (see {@link EgicLossWeights}):
 *
 *     loss = 0.1 · 2⁻⁵ · 0.75 · MSE(0-255) + 1 · LPIPS + λ · bpp + 0.15 · g_loss
 *
 * LPIPS and the GAN term are left out when absent (stage 1 has no GAN).
 * @param terms - The batch's rate, distortion and optional terms.
 * @param weights - Loss weights; default {@link EGIC_LOSS_WEIGHTS}.
 * @returns New tensors: the loss and each weighted term.
 */
export function egicGeneratorLoss(terms: EgicLossTerms, weights: EgicLossWeights = EGIC_LOSS_WEIGHTS): EgicLoss {
  const t: Record<string, tf.Tensor> = tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {
      weightedMse: tf.mul(weights.mseWeight, terms.mse),
      weightedRate: tf.mul(weights.lambda, terms.bpp),
    };
    if (terms.lpips) out['weightedLpips'] = tf.mul(weights.lpipsWeight, terms.lpips);
    if (terms.gan) out['weightedGan'] = tf.mul(weights.ganWeight, terms.gan);
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
