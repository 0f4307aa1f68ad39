/**
 * Deterministic evaluation of entropy-parameter networks: feature maps in float64
 * JavaScript, fixed summation orders, no engine-dependent functions, so encoder and
 * decoder pick the same tables on every backend.
 *
 * @packageDocumentation
 */
export * from './exact-map.js';
export * from './exact-math.js';
export * from './exact-conv.js';
export * from './exact-evaluable.js';
