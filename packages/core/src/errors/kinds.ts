import { NcompError } from './ncomp-error.js';

/**
 * A byte stream (entropy-coded data, a container, a safetensors file) is damaged,
 * truncated, or was not produced by the coder and tables used to read it.
 */
export class CorruptStreamError extends NcompError {}

/** A tensor or array has a shape other than the one an operation needs. */
export class ShapeError extends NcompError {}

/**
 * Saved state (a state dict, a checkpoint, a bitstream) belongs to another model:
 * missing, unexpected or differently shaped entries, or a different model name or digest.
 */
export class ModelMismatchError extends NcompError {}

/**
 * An argument is outside the values an API accepts (for example a precision outside
 * 1..16, a negative probability, or a table that is not monotone).
 */
export class InvalidArgumentError extends NcompError {}

/**
 * A requested TensorFlow.js backend or optional package is not installed or failed to
 * initialise. The message says what to install.
 */
export class BackendUnavailableError extends NcompError {}

/** A file format is recognised but its version or a feature it uses is not supported. */
export class UnsupportedFormatError extends NcompError {}

/**
 * The decoder computed entropy parameters (the table of each symbol) that differ from the
 * encoder's for an intact stream: the file was written by a build whose deterministic
 * entropy-parameter evaluation differs from this one (another ncomp version, or a custom
 * layer without a deterministic twin). Not damage: the message names the backend and
 * version that wrote the file.
 */
export class ParameterMismatchError extends NcompError {}

/**
 * An input is well-formed but larger than a configured limit (for example an image with
 * more pixels than `maxPixels`). The message names the limit and how to raise it.
 */
export class LimitExceededError extends NcompError {}
