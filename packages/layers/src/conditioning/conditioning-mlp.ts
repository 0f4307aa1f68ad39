import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';
import { Dense } from '../dense/dense.js';

/** Options of {@link ConditioningMlp}. */
export interface ConditioningMlpOptions {
  /** Input features; default 21 (the {@link fourierFeatures} of one scalar with L = 10). */
  readonly inputFeatures?: number;
  /** Width of both layers (the output width); default 512. */
  readonly features?: number;
}

/**
 * The global conditioning network of MRIC (Agustsson et al. 2023; Nikolai10/MRIC
 * `BetaMlp`): Dense -> ReLU -> Dense -> ReLU, turning the {@link fourierFeatures} of beta
 * into the feature vector f shared by every {@link ConditionalResidualBlock}.
 *
 * Shapes: [N, inputFeatures] -> [N, features].
 * Variables: `fc1` [inputFeatures, features], `fc2` [features, features] (with biases).
 */
export class ConditioningMlp extends Module {
  /** Input features. */
  readonly inputFeatures: number;
  /** Output features. */
  readonly features: number;
  /** First layer. */
  readonly fc1: Dense;
  /** Second layer. */
  readonly fc2: Dense;

  /** @param options - Widths; see {@link ConditioningMlpOptions}. */
  constructor(options: ConditioningMlpOptions = {}) {
    super();
    this.inputFeatures = options.inputFeatures ?? 21;
    this.features = options.features ?? 512;
    this.fc1 = this.addModule('fc1', new Dense(this.inputFeatures, this.features));
    this.fc2 = this.addModule('fc2', new Dense(this.features, this.features));
  }

  /**
   * @param x - [N, inputFeatures] float32 (typically `fourierFeatures(beta)`).
   * @returns f [N, features].
   * @throws ShapeError when the last axis is not `inputFeatures`.
   */
  call(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.relu(this.fc2.call(tf.relu(this.fc1.call(x)))) as tf.Tensor2D);
  }
}
