import { labelMix, labelMixLoss, oasisDiscriminatorLoss, type OasisDiscriminator } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { Adam } from './adam.js';
import { optimizerUpdate, type DiscriminatorStepResult } from './gan-common.js';
import type { ReadingStep } from './reading-step.js';

// The OASIS-C discriminator step of EgicTrainer; not part of the package's API.

/** What one OASIS-C discriminator step measured. */
export interface OasisStepResult extends DiscriminatorStepResult {
  /** The unweighted LabelMix consistency loss. */
  readonly labelMix: number;
}

/** Inputs of {@link oasisDiscriminatorUpdate}. */
export interface OasisUpdate {
  readonly discriminator: OasisDiscriminator;
  readonly parameters: ReadonlyMap<string, tf.Variable>;
  readonly optimizer: Adam;
  /** Real images. */
  readonly x: tf.Tensor4D;
  /** Their reconstructions (no gradient needed). */
  readonly xHat: tf.Tensor4D;
  /** The quantized latent conditioning all three inputs. */
  readonly yHat: tf.Tensor4D;
  /** int32 [N, H, W] labels of `x`. */
  readonly labels: tf.Tensor3D;
  readonly labelMixWeight: number;
  /** Seed of LabelMix's per-class coins. */
  readonly labelMixSeed: number;
  readonly clipNorm: number;
  readonly learningRate: number;
  /** Steps done (for the divergence message). */
  readonly step: number;
}

/**
 * One OASIS-C discriminator step as EGIC's `train_step` (Nikolai10/EGIC `kkshms2024.py`):
 * real images, reconstructions and their LabelMix (one batch, all conditioned on ŷ);
 * loss = CE(real, labels) + CE(fake, fake class) + labelMixWeight · LabelMix
 * ({@link oasisDiscriminatorLoss}, {@link labelMixLoss}); Adam. `dReal` / `dFake` are the
 * mean probability of the real classes (1 - p(fake)) on the real images / reconstructions.
 * A {@link ReadingStep}. The labels' range is the caller's to check (they are not read here).
 * @throws NcompError when the gradient is not finite (nothing is updated then).
 */
export function* oasisDiscriminatorUpdate(u: OasisUpdate): ReadingStep<OasisStepResult> {
  const n = u.discriminator.numClasses;
  const { mixed, mask } = labelMix(u.x, u.xHat, u.labels, n, { seed: u.labelMixSeed, labelsChecked: true });
  const stats: tf.Tensor[] = [];
  try {
    const { loss, norm, read } = yield* optimizerUpdate(
      u.parameters,
      u.optimizer,
      () => {
        const logits = u.discriminator.call(tf.concat([u.x, u.xHat, mixed], 0), tf.concat([u.yHat, u.yHat, u.yHat], 0));
        const [real, fake, mixedLogits] = tf.split(logits, 3, 0) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const realness = (t: tf.Tensor4D): tf.Scalar => tf.sub(1, tf.mean(tf.slice(tf.softmax(t), [0, 0, 0, n], [-1, -1, -1, 1]))) as tf.Scalar;
        const lm = labelMixLoss(mixedLogits, real, fake, mask);
        stats.push(tf.keep(realness(real)), tf.keep(realness(fake)), tf.keep(lm));
        return tf.add(oasisDiscriminatorLoss(real, fake, u.labels, { labelsChecked: true }), tf.mul(u.labelMixWeight, lm)) as tf.Scalar;
      },
      { clipNorm: u.clipNorm, learningRate: u.learningRate, step: u.step, what: 'discriminator gradient norm', reads: () => stats },
    );
    const [dReal, dFake, lm] = read as [number, number, number];
    return { dLoss: loss, dReal, dFake, labelMix: lm, norm };
  } finally {
    tf.dispose([mixed, mask, ...stats]);
  }
}
