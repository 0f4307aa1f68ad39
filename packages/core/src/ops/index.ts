/**
 * Gradient-shaping identities every package needs: a zero-gradient identity
 * (`stopGradient`, TensorFlow's `stop_gradient`) and TFC's `lower_bound`.
 * @packageDocumentation
 */
export { lowerBound, type LowerBoundGradient } from './lower-bound.js';
export { stopGradient } from './stop-gradient.js';
