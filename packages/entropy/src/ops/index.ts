/**
 * Small differentiable ops of entropy modelling.
 * @packageDocumentation
 */
export { roundStraightThrough } from './round-straight-through.js';
export { addUniformNoise } from './uniform-noise.js';
/** Re-exported from @ncomp/core, where they live (kept here for existing imports). */
export { lowerBound, stopGradient, type LowerBoundGradient } from '@ncomp/core';
