import * as tf from '@tensorflow/tfjs-core';
import type { StateDict } from '@ncomp/core';
import { InvalidArgumentError, ModelMismatchError } from '@ncomp/core';
import { describe } from '../internal/checks.js';
import type { GDN } from './gdn.js';
import { nonnegativeParameterInit } from './nonnegative-parameter.js';

/**
 * Where GDN weights come from:
 * - `'tfc'`: TensorFlow Compression (`GDN` of TFC 1.x and 2.x): gamma is [C_in, C_out],
 *   our orientation;
 * - `'compressai'`: CompressAI `GDN` / `GDN1`: gamma is [C_out, C_in] and is transposed.
 */
export type GdnWeightSource = 'tfc' | 'compressai';

/**
 * How the given values are stored:
 * - `'reparameterized'`: the raw variables of the checkpoint (TFC `reparam_beta` /
 *   `reparam_gamma`, CompressAI `beta` / `gamma` in its state dict), i.e. r with
 *   effective value max(r, bound)^2 - offset^2. They are copied bit for bit (after the
 *   transpose for CompressAI), so the effective values and the training dynamics are
 *   exactly the source's; the GDN must use the source's `betaMin` and `reparamOffset`
 *   (the defaults of both libraries);
 * - `'effective'`: the values actually used (TFC `layer.beta` / `layer.gamma`, CompressAI
 *   `gdn.beta_reparam(gdn.beta)`); they are reparameterized here.
 */
export type GdnWeightStorage = 'reparameterized' | 'effective';

/** GDN weights of another library: beta [C] and gamma [C, C], float32. */
export interface GdnWeights {
  /** beta [C]. */
  readonly beta: tf.Tensor;
  /** gamma [C, C], in the source's orientation. */
  readonly gamma: tf.Tensor;
}

/** Options of {@link convertGdnWeights} and {@link loadGdnWeights}. */
export interface GdnWeightOptions {
  /** The library the weights come from. */
  readonly source: GdnWeightSource;
  /** How they are stored; default `'reparameterized'` (what checkpoints hold). */
  readonly storage?: GdnWeightStorage;
}

// Effective values computed in float32 from a stored value at the bound may come out a few
// ulps below the minimum; anything further below is not representable and is refused.
const TOLERANCE = 1e-9;

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

function minimum(values: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) m = Math.min(m, values[i]!);
  return m;
}

/**
 * Converts another library's GDN weights into `gdn`'s state dict `{ beta, gamma }`
 * (reparameterized, gamma [C_in, C_out]). The result's tensors are new and owned by the
 * caller; the inputs are not disposed.
 *
 * @param gdn - The target layer (its channels, betaMin and reparamOffset are used).
 * @param weights - beta [C] and gamma [C, C] float32.
 * @param options - Source library and storage.
 * @throws ModelMismatchError for wrong shapes or dtypes; InvalidArgumentError for an unknown
 *   source or storage, non-finite values, or effective values below the minimum
 *   (beta < betaMin, gamma < 0).
 */
export function convertGdnWeights(gdn: GDN, weights: GdnWeights, options: GdnWeightOptions): StateDict {
  const { source } = options;
  const storage = options.storage ?? 'reparameterized';
  if (source !== 'tfc' && source !== 'compressai') {
    throw new InvalidArgumentError(`convertGdnWeights: source must be 'tfc' or 'compressai', found ${String(source)}`);
  }
  if (storage !== 'reparameterized' && storage !== 'effective') {
    throw new InvalidArgumentError(`convertGdnWeights: storage must be 'reparameterized' or 'effective', found ${String(storage)}`);
  }
  const c = gdn.channels;
  const { beta, gamma } = weights;
  const problems: string[] = [];
  const check = (name: string, t: unknown, shape: number[]): void => {
    if (!(t instanceof tf.Tensor) || t.isDisposed) {
      problems.push(`${name}: expected a float32 tensor [${shape.join(', ')}], found ${t instanceof tf.Tensor ? 'a disposed tensor' : typeof t}`);
    } else if (t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, shape)) {
      problems.push(`${name}: expected float32 [${shape.join(', ')}], found ${describe(t)}`);
    }
  };
  check('beta', beta, [c]);
  check('gamma', gamma, [c, c]);
  if (problems.length > 0) {
    throw new ModelMismatchError(`convertGdnWeights (${source}): weights do not match a GDN of ${c} channels:\n  - ${problems.join('\n  - ')}`);
  }
  const betaValues = beta.dataSync();
  const gammaValues = gamma.dataSync();
  if (!allFinite(betaValues) || !allFinite(gammaValues)) {
    throw new InvalidArgumentError(`convertGdnWeights (${source}): beta and gamma must be finite`);
  }
  if (storage === 'effective') {
    const minBeta = minimum(betaValues);
    const minGamma = minimum(gammaValues);
    if (minBeta < gdn.betaMin - TOLERANCE || minGamma < -TOLERANCE) {
      throw new InvalidArgumentError(
        `convertGdnWeights (${source}): effective values must be beta >= ${gdn.betaMin} and gamma >= 0, ` +
          `found min(beta) = ${minBeta} and min(gamma) = ${minGamma}`,
      );
    }
  }
  return tf.tidy(() => {
    const oriented = source === 'compressai' ? tf.transpose(gamma) : tf.clone(gamma);
    if (storage === 'reparameterized') return { beta: tf.clone(beta), gamma: oriented };
    return {
      beta: nonnegativeParameterInit(beta, gdn.reparamOffset),
      gamma: nonnegativeParameterInit(oriented, gdn.reparamOffset),
    };
  });
}

/**
 * Loads another library's GDN weights into `gdn` (see {@link convertGdnWeights} for the
 * conventions): CompressAI's gamma is transposed to TFC's [C_in, C_out]; reparameterized
 * values are copied as they are, effective values are reparameterized. All or nothing.
 *
 * @param gdn - The target layer (GDN or IGDN).
 * @param weights - beta [C] and gamma [C, C] float32, owned by the caller.
 * @param options - Source library and storage.
 * @throws As {@link convertGdnWeights}.
 */
export function loadGdnWeights(gdn: GDN, weights: GdnWeights, options: GdnWeightOptions): void {
  const dict = convertGdnWeights(gdn, weights, options);
  try {
    gdn.loadStateDict(dict);
  } finally {
    tf.dispose(Object.values(dict));
  }
}
