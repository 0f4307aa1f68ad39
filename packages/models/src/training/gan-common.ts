import { NcompError, type Module } from '@ncomp/core';
import { nonSaturatingDiscriminatorLoss } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { Adam } from './adam.js';
import type { ConditionalDiscriminator } from './gan-trainer.js';
import type { SeededRandom } from './rng.js';

// Helpers of the GAN trainers' skeleton (GanTrainerBase) and of EGIC's OASIS-C step; not
// part of the package's API.

/** Runs `f` with `Math.random` drawing from `rng` (TF.js seeds its unseeded random ops from Math.random). */
export function withSeededMathRandom<T>(rng: SeededRandom, f: () => T): T {
  const saved = Math.random;
  Math.random = () => rng.next();
  try {
    return f();
  } finally {
    Math.random = saved;
  }
}

/** Gradients by state-dict name, then clipped in place to a global norm; returns the norm before clipping. */
export function nameAndClip(
  names: readonly string[],
  vars: readonly tf.Variable[],
  grads: tf.NamedTensorMap,
  clip: number,
): { named: Record<string, tf.Tensor>; norm: number } {
  const named: Record<string, tf.Tensor> = {};
  vars.forEach((v, i) => {
    const g = grads[v.name];
    if (g) named[names[i]!] = g;
  });
  const values = Object.values(named);
  const normT = tf.tidy(() => (values.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(values.map((g) => tf.sum(tf.square(g)))))));
  const norm = normT.dataSync()[0]!;
  normT.dispose();
  if (clip > 0 && norm > clip && Number.isFinite(norm)) {
    for (const k of Object.keys(named)) {
      const g = named[k]!;
      named[k] = tf.mul(g, clip / norm);
      g.dispose();
    }
  }
  return { named, norm };
}

/** A module's trainable variables by state-dict name. */
export function trainableOf(module: Module): Map<string, tf.Variable> {
  return new Map([...module.namedVariables()].filter(([, v]) => v.trainable));
}

/** What one discriminator step measured. */
export interface DiscriminatorStepResult {
  /** Non-saturating discriminator loss. */
  readonly dLoss: number;
  /** Mean sigmoid on the real images. */
  readonly dReal: number;
  /** Mean sigmoid on the reconstructions. */
  readonly dFake: number;
  /** Global gradient norm before clipping. */
  readonly norm: number;
}

/** Inputs of `discriminatorUpdate`. */
export interface DiscriminatorUpdate {
  /** The discriminator. */
  readonly discriminator: ConditionalDiscriminator;
  /** Its trainable parameters by state-dict name. */
  readonly parameters: ReadonlyMap<string, tf.Variable>;
  /** Its optimizer. */
  readonly optimizer: Adam;
  /** Real images. */
  readonly x: tf.Tensor4D;
  /** Their reconstructions (no gradient needed). */
  readonly xHat: tf.Tensor4D;
  /** The quantized latent conditioning both. */
  readonly yHat: tf.Tensor4D;
  /** Global-norm gradient clipping, 0 for none. */
  readonly clipNorm: number;
  /** Adam step size. */
  readonly learningRate: number;
  /** Steps done (for the divergence message). */
  readonly step: number;
}

/**
 * One discriminator step of HiFiC's recipe: real images and reconstructions in one batch,
 * both conditioned on the quantized latent, with the spectral-norm power iteration
 * (`training = true`); the non-saturating loss; clipping; Adam.
 * @throws NcompError when the gradient is not finite (nothing is updated then).
 */
export function discriminatorUpdate(u: DiscriminatorUpdate): DiscriminatorStepResult {
  const stats: tf.Tensor[] = [];
  try {
    const { loss, norm } = optimizerUpdate(
      u.parameters,
      u.optimizer,
      () => {
        const logits = u.discriminator.call(tf.concat([u.x, u.xHat], 0), tf.concat([u.yHat, u.yHat], 0), true);
        const [real, fake] = tf.split(logits, 2, 0) as [tf.Tensor, tf.Tensor];
        stats.push(tf.keep(tf.mean(tf.sigmoid(real))), tf.keep(tf.mean(tf.sigmoid(fake))));
        return nonSaturatingDiscriminatorLoss(real, fake);
      },
      u.clipNorm,
      u.learningRate,
      u.step,
      'discriminator gradient norm',
    );
    return { dLoss: loss, dReal: stats[0]!.dataSync()[0]!, dFake: stats[1]!.dataSync()[0]!, norm };
  } finally {
    tf.dispose(stats);
  }
}

/**
 * One optimizer step on `loss()` (run under `tf.variableGrads`): gradients of the
 * parameters by name, clipped to a global norm (0: no clipping), Adam at `learningRate`.
 * @param what - Names the norm in the divergence message.
 * @returns The loss and the gradient norm before clipping.
 * @throws NcompError when the gradient is not finite (nothing is updated then).
 */
export function optimizerUpdate(
  parameters: ReadonlyMap<string, tf.Variable>,
  optimizer: Adam,
  loss: () => tf.Scalar,
  clipNorm: number,
  learningRate: number,
  step: number,
  what = 'gradient norm',
): { loss: number; norm: number } {
  const names = [...parameters.keys()];
  const vars = names.map((n) => parameters.get(n)!);
  const { value, grads } = tf.variableGrads(loss, vars);
  const { named, norm } = nameAndClip(names, vars, grads, clipNorm);
  const lossValue = value.dataSync()[0]!;
  if (Number.isFinite(norm)) optimizer.apply(parameters, named, learningRate);
  tf.dispose([value, ...Object.values(named)]);
  if (!Number.isFinite(norm)) {
    throw new NcompError(
      `training diverged at step ${step + 1}: ${what} ${norm}, loss ${lossValue}; lower the learning rate or resume from the last checkpoint`,
    );
  }
  return { loss: lossValue, norm };
}
