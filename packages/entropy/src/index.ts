/**
 * `@ncomp/entropy`: entropy coders and (later) entropy models and distributions.
 * The coders are also available without TensorFlow.js as `@ncomp/entropy/coding`.
 *
 * @packageDocumentation
 */
export * from './coding/index.js';
