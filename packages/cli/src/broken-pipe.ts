/**
 * A reader that closes `ncomp`'s stdout early (`ncomp info --json | head -c 10`,
 * `ncomp --help | head -1`) ends it quietly with {@link EXIT}.brokenPipe (141, as a program
 * stopped by SIGPIPE), instead of an unhandled `EPIPE` error and its stack trace. Node.js
 * ignores SIGPIPE, so a failed write is reported as an `error` event on the stream.
 */
import { errorCode, removeTemporaryFilesSync } from '@ncomp/core';
import { EXIT } from './exit-codes.js';

/** The part of a Node.js stream this module listens on. */
export interface ErrorEmitter {
  /** Adds an `error` listener. */
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * Listens for write errors on stdout and stderr. A closed stdout (`EPIPE`) removes the
 * temporary files of atomic writes and exits with 141, printing nothing; another stdout
 * error is reported in one line on stderr and exits with 1. A closed stderr is ignored:
 * nothing more can be said there, and the work (and stdout) may still be wanted.
 *
 * @param streams - The streams to watch; default `process.stdout` and `process.stderr`.
 * @param exit - What ends the process; default `process.exit` (tests observe the code).
 */
export function installBrokenPipeHandlers(
  streams: { readonly stdout: ErrorEmitter; readonly stderr: ErrorEmitter & { write(text: string): unknown } } = {
    stdout: process.stdout,
    stderr: process.stderr,
  },
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  streams.stdout.on('error', (err) => {
    removeTemporaryFilesSync();
    if (errorCode(err) === 'EPIPE') {
      exit(EXIT.brokenPipe);
      return;
    }
    streams.stderr.write(`ncomp: cannot write to stdout: ${err.message}\n`);
    exit(EXIT.failure);
  });
  streams.stderr.on('error', () => {
    // Nothing to do: there is nowhere left to report it.
  });
}
