import type { ProgressStream } from '../progress/index.js';

/** A failure as `ncomp` reported it (see {@link CommandContext.fail}). */
export interface ReportedFailure {
  /** The one line printed after `ncomp <command>: `. */
  readonly message: string;
  /** The exit code it stands for (1 a failure, 2 a usage error). */
  readonly exitCode: number;
}

/** What a command gets: its parsed arguments and where to write. */
export interface CommandContext {
  /** The full argument list after `ncomp` (for logs). */
  readonly argv: readonly string[];
  /** Positional arguments after the command name. */
  readonly positionals: readonly string[];
  /** The last value of an option, if given. */
  option(name: string): string | undefined;
  /** All values of a repeatable option. */
  options(name: string): string[];
  /** Whether a boolean flag was given. */
  flag(name: string): boolean;
  /** A progress / status line to stderr (suppressed with --quiet). */
  log(line: string): void;
  /** Result output to stdout (to stderr with --json, which keeps stdout for the document). */
  print(line: string): void;
  /** Where progress bars draw: the error stream, or a sink that drops everything with --quiet. */
  readonly progress: ProgressStream;
  /** Whether `--json` was given: the command prints one JSON document ({@link printJson}) and nothing else on stdout. */
  readonly json: boolean;
  /** Prints the command's JSON document on stdout (once, at the end). */
  printJson(doc: object): void;
  /** Whether stdout is a terminal (binary data is refused there without --force). */
  readonly stdoutIsTTY: boolean;
  /** Writes data (the bytes of a file: `-o -`) to stdout; then every message must go to stderr. */
  writeData(bytes: Uint8Array): void;
  /**
   * Reads all of stdin (`-` as input).
   * @throws InvalidArgumentError when stdin is a terminal (nothing was piped in).
   */
  readStdin(): Promise<Uint8Array>;
  /**
   * Reports one failed input on stderr, in the one line `ncomp` prints for a failed command
   * (`--debug` adds the stack), so that a command can go on with its other inputs.
   * @returns That line's text, and the exit code the failure stands for.
   */
  fail(err: unknown): ReportedFailure;
}
