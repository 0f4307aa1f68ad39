import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { checkInteger, describe } from '../internal/checks.js';

/**
 * NeRF positional embedding (Mildenhall et al. 2020, "NeRF: Representing scenes as neural
 * radiance fields for view synthesis") of a scalar condition per example, as MRIC embeds
 * its realism weight beta (Agustsson et al. 2023; Nikolai10/MRIC `fourier_cond.py`,
 * `multires = 10`):
 *
 *     [beta, sin(2^0 beta), cos(2^0 beta), sin(2^1 beta), cos(2^1 beta), ...,
 *      sin(2^(L-1) beta), cos(2^(L-1) beta)]
 *
 * i.e. the input, then a sine / cosine pair per frequency 2^k, k = 0..L-1 (this order).
 *
 * @param beta - One value per example: a number array, or a float32 tensor [N] or [N, 1].
 * @param numFrequencies - L; default 10 (21 features).
 * @returns [N, 1 + 2L] float32, a new tensor.
 * @throws ShapeError for another shape; InvalidArgumentError for a bad L or non-numbers.
 */
export function fourierFeatures(beta: tf.Tensor | readonly number[], numFrequencies = 10): tf.Tensor2D {
  checkInteger('fourierFeatures', 'numFrequencies', numFrequencies, 0);
  if (!(beta instanceof tf.Tensor)) {
    if (!Array.isArray(beta) || !beta.every((v) => typeof v === 'number')) {
      throw new InvalidArgumentError('fourierFeatures: beta must be a tf.Tensor or an array of numbers');
    }
  } else if (!((beta.rank === 1 || (beta.rank === 2 && beta.shape[1] === 1)) && beta.dtype === 'float32')) {
    throw new ShapeError(`fourierFeatures: expected beta as float32 [N] or [N, 1], found ${describe(beta)}`);
  }
  return tf.tidy(() => {
    const b = beta instanceof tf.Tensor ? tf.reshape(beta, [-1, 1]) : tf.tensor2d([...beta], [beta.length, 1]);
    const parts: tf.Tensor[] = [b];
    for (let k = 0; k < numFrequencies; k++) {
      const scaled = tf.mul(b, 2 ** k);
      parts.push(tf.sin(scaled), tf.cos(scaled));
    }
    return tf.concat(parts, 1) as tf.Tensor2D;
  });
}
