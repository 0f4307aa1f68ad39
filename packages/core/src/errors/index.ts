/**
 * Typed errors shared by every ncomp package. This entry point has no TensorFlow.js
 * import, so pure-TypeScript code (the entropy coders) can use it.
 *
 * @packageDocumentation
 */
export { NcompError } from './ncomp-error.js';
export {
  BackendUnavailableError,
  CorruptStreamError,
  InvalidArgumentError,
  LimitExceededError,
  ModelMismatchError,
  ParameterMismatchError,
  ShapeError,
  UnsupportedFormatError,
} from './kinds.js';
