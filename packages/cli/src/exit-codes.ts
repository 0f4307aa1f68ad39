/**
 * The exit codes of `ncomp`, and the help text that lists them (`ncomp --help` and every
 * `ncomp <command> --help` end with it).
 */

/** Exit codes of `ncomp`. */
export const EXIT: {
  /** Success. */
  readonly ok: 0;
  /**
   * A failure: a damaged or foreign file, a model that does not load, an I/O error; with
   * several inputs, any input that failed (the others are still done).
   */
  readonly failure: 1;
  /** A usage error: bad options or arguments, a refused overwrite, binary output refused on a terminal. */
  readonly usage: 2;
  /** Interrupted (Ctrl-C, SIGINT): 128 + 2, as shells report it. */
  readonly interrupted: 130;
  /** The reader of stdout closed it early (e.g. `| head -1`): 128 + 13, as for a program stopped by SIGPIPE. */
  readonly brokenPipe: 141;
  /** Terminated (SIGTERM): 128 + 15. */
  readonly terminated: 143;
} = { ok: 0, failure: 1, usage: 2, interrupted: 130, brokenPipe: 141, terminated: 143 };

/** What each exit code means, in the order `--help` lists them. */
const MEANINGS: readonly (readonly [number, string])[] = [
  [EXIT.ok, 'success'],
  [EXIT.failure, 'failure: a damaged or foreign file, a model that does not load, an I/O error; with several inputs, any that failed'],
  [EXIT.usage, 'usage error: bad options or arguments, a refused overwrite, binary output refused on a terminal'],
  [EXIT.interrupted, 'interrupted (Ctrl-C)'],
  [EXIT.brokenPipe, 'the reader of stdout closed it early (e.g. `| head`); nothing is printed'],
  [EXIT.terminated, 'terminated (SIGTERM)'],
];

/**
 * The "Exit codes:" section of the help texts: one line per code of {@link EXIT}.
 * @returns Lines separated by `\n`, no trailing newline.
 */
export function exitCodesHelp(): string {
  return ['Exit codes:', ...MEANINGS.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`)].join('\n');
}
