/**
 * Base class of every error ncomp throws on purpose.
 *
 * Catch `NcompError` to handle all of ncomp's own failures; the subclasses say which
 * kind of failure it was. Messages state what was expected and what was found.
 */
export class NcompError extends Error {
  /** A stable, machine-readable name of the error kind (also `error.name`). */
  readonly code: string;

  /**
   * @param message - What was expected and what was found.
   * @param options - Standard error options; `cause` chains an underlying error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = new.target.name;
  }
}
