/**
 * SIGINT / SIGTERM for `ncomp`: by default the temporary files of atomic writes are
 * removed and the process exits (130 for SIGINT, 143 for SIGTERM, the shells' 128 +
 * signal number); a long-running command (training) can take over the next signal with
 * {@link onInterrupt} to stop gracefully, and a second signal then exits as by default.
 */
import { removeTemporaryFilesSync } from '@ncomp/core';
import { EXIT } from './exit-codes.js';

/** Takes over one SIGINT / SIGTERM. */
export type InterruptHandler = (signal: 'SIGINT' | 'SIGTERM') => void;

const handlers: InterruptHandler[] = [];
let installed = false;
let exitFn: (code: number) => void = (code) => process.exit(code);

/** Exit code of the default action for `signal`. */
export function signalExitCode(signal: 'SIGINT' | 'SIGTERM'): number {
  return signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
}

function onSignal(signal: 'SIGINT' | 'SIGTERM'): void {
  const handler = handlers.pop();
  if (handler) {
    handler(signal);
    return;
  }
  removeTemporaryFilesSync();
  exitFn(signalExitCode(signal));
}

/**
 * Installs the SIGINT and SIGTERM listeners (once; later calls do nothing but may
 * replace `exit`, which tests use to observe the exit code).
 * @param exit - What ends the process; default `process.exit`.
 */
export function installSignalHandlers(exit?: (code: number) => void): void {
  if (exit) exitFn = exit;
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

/**
 * Lets `handler` take the next SIGINT or SIGTERM instead of the default action (it runs
 * once; a further signal gets the default, or an earlier registered handler).
 * @returns A function that unregisters the handler if it has not run.
 */
export function onInterrupt(handler: InterruptHandler): () => void {
  installSignalHandlers();
  handlers.push(handler);
  return () => {
    const i = handlers.lastIndexOf(handler);
    if (i >= 0) handlers.splice(i, 1);
  };
}
