import type { ProgressStream } from '../progress/index.js';

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
  /** Result output to stdout. */
  print(line: string): void;
  /** Where progress bars draw: the error stream, or a sink that drops everything with --quiet. */
  readonly progress: ProgressStream;
}
