import { NcompError, type Module } from '@ncomp/core';
import { nonSaturatingDiscriminatorLoss } from '@ncomp/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { Adam } from './adam.js';
import type { ConditionalDiscriminator } from './gan-trainer.js';
import type { ReadingStep } from './reading-step.js';

// Helpers of the GAN trainers' skeleton (GanTrainerBase) and of EGIC's OASIS-C step; not
// part of the package's API.

/** Gradients by state-dict name (the parameters without one are left out). */
function namedGradients(names: readonly string[], vars: readonly tf.Variable[], grads: tf.NamedTensorMap): Record<string, tf.Tensor> {
  const named: Record<string, tf.Tensor> = {};
  vars.forEach((v, i) => {
    const g = grads[v.name];
    if (g) named[names[i]!] = g;
  });
  return named;
}

/** Scales the gradients in place to the global norm `clip` when their norm is above it (0: no clipping). */
function clipInPlace(named: Record<string, tf.Tensor>, clip: number, norm: number): void {
  if (!(clip > 0 && norm > clip && Number.isFinite(norm))) return;
  for (const k of Object.keys(named)) {
    const g = named[k]!;
    named[k] = tf.mul(g, clip / norm);
    g.dispose();
  }
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
  /** Per-parameter factor on the step size (see {@link learningRateMultiplierOf}); default 1 for all. */
  readonly multiplier?: (name: string) => number;
  /** Steps done (for the divergence message). */
  readonly step: number;
}

/**
 * One discriminator step of HiFiC's recipe: real images and reconstructions in one batch,
 * both conditioned on the quantized latent, with the spectral-norm power iteration
 * (`training = true`); the non-saturating loss; clipping; Adam. A {@link ReadingStep}: it
 * yields the tensors it reads.
 * @throws NcompError when the gradient is not finite (nothing is updated then).
 */
export function* discriminatorUpdate(u: DiscriminatorUpdate): ReadingStep<DiscriminatorStepResult> {
  const stats: tf.Tensor[] = [];
  try {
    const { loss, norm, read } = yield* optimizerUpdate(
      u.parameters,
      u.optimizer,
      () => {
        const logits = u.discriminator.call(tf.concat([u.x, u.xHat], 0), tf.concat([u.yHat, u.yHat], 0), true);
        const [real, fake] = tf.split(logits, 2, 0) as [tf.Tensor, tf.Tensor];
        stats.push(tf.keep(tf.mean(tf.sigmoid(real))), tf.keep(tf.mean(tf.sigmoid(fake))));
        return nonSaturatingDiscriminatorLoss(real, fake);
      },
      { clipNorm: u.clipNorm, learningRate: u.learningRate, step: u.step, what: 'discriminator gradient norm', reads: () => stats },
    );
    const [dReal, dFake] = read as [number, number];
    return { dLoss: loss, dReal, dFake, norm };
  } finally {
    tf.dispose(stats);
  }
}

/** How {@link optimizerUpdate} steps. */
export interface OptimizerStep {
  /** Global-norm gradient clipping, 0 for none. */
  readonly clipNorm: number;
  /** Adam step size. */
  readonly learningRate: number;
  /** Per-parameter factor on the step size (see {@link learningRateMultiplierOf}); default 1 for all. */
  readonly multiplier?: (name: string) => number;
  /** Steps done (for the divergence message). */
  readonly step: number;
  /** Names the norm in the divergence message; default "gradient norm". */
  readonly what?: string;
  /** Scalars that `loss()` kept, to read with the norm and the loss (one read for all). */
  readonly reads?: () => readonly tf.Tensor[];
}

/**
 * One optimizer step on `loss()` (run under `tf.variableGrads`): gradients of the
 * parameters by name, clipped to a global norm (0: no clipping), Adam at `learningRate`.
 * A {@link ReadingStep}: it yields the gradient norm, the loss and `reads()` at once.
 * @returns The loss, the gradient norm before clipping and the values of `reads()`.
 * @throws NcompError when the gradient is not finite (nothing is updated then).
 */
export function* optimizerUpdate(
  parameters: ReadonlyMap<string, tf.Variable>,
  optimizer: Adam,
  loss: () => tf.Scalar,
  how: OptimizerStep,
): ReadingStep<{ loss: number; norm: number; read: readonly number[] }> {
  const names = [...parameters.keys()];
  const vars = names.map((n) => parameters.get(n)!);
  const { value, grads } = tf.variableGrads(loss, vars);
  const named = namedGradients(names, vars, grads);
  const values = Object.values(named);
  const normT = tf.tidy(() => (values.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(values.map((g) => tf.sum(tf.square(g)))))));
  let read: readonly number[];
  try {
    read = yield [normT, value, ...(how.reads?.() ?? [])];
    const norm = read[0]!;
    clipInPlace(named, how.clipNorm, norm);
    if (Number.isFinite(norm)) optimizer.apply(parameters, named, how.learningRate, how.multiplier);
  } finally {
    tf.dispose([value, normT, ...Object.values(named)]);
  }
  const [norm, lossValue] = read as [number, number];
  if (!Number.isFinite(norm)) {
    throw new NcompError(
      `training diverged at step ${how.step + 1}: ${how.what ?? 'gradient norm'} ${norm}, loss ${lossValue}; lower the learning rate or resume from the last checkpoint`,
    );
  }
  return { loss: lossValue, norm, read: read.slice(2) };
}
