/**
 * Differentiable distributions for entropy models (TF.js), following TFC's
 * `distributions/`.
 * @packageDocumentation
 */
export { DeepFactorized, NoisyDeepFactorized, type CumulativeLogits, type DeepFactorizedOptions } from './deep-factorized.js';
export type { Distribution } from './distribution.js';
export { lowerTail, lowerTailAsync, quantizationOffset, solveMonotone, solveMonotoneAsync, upperTail, upperTailAsync } from './helpers.js';
export { Laplace } from './laplace.js';
export { piecewiseAtZero, SymmetricLocationScale } from './location-scale.js';
export { Logistic } from './logistic.js';
export { Normal } from './normal.js';
export { erfcNumber, logErfcNonNegative, normalQuantile } from './special.js';
export { NoisyLaplace, NoisyLogistic, NoisyNormal, UniformNoiseAdapter } from './uniform-noise-adapter.js';
