/**
 * `@ncomp/entropy`: entropy coders, distributions and entropy models with TensorFlow
 * Compression semantics. The coders alone, without TensorFlow.js, are
 * `@ncomp/entropy/coding`.
 *
 * @packageDocumentation
 */
export * from './coding/index.js';
export * from './distributions/index.js';
export * from './entropy-models/index.js';
export * from './ops/index.js';
