/**
 * Small differentiable ops of entropy modelling.
 * @packageDocumentation
 */
export { lowerBound, type LowerBoundGradient } from './lower-bound.js';
export { roundStraightThrough } from './round-straight-through.js';
export { stopGradient } from './stop-gradient.js';
export { addUniformNoise } from './uniform-noise.js';
