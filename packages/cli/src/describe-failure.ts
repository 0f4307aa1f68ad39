/** How `ncomp` reports a failed command in one line (describeFailure), shared by main and the commands that go on after a failed input. */
import { NcompError, errorCode } from '@ncomp/core';
import type { CommandSpec } from './commands/registry.js';
import { EXIT } from './exit-codes.js';

/** The exit code a failure stands for: 2 for a usage error (InvalidArgumentError), else 1. */
export function failureExitCode(err: unknown): number {
  return err instanceof NcompError && err.name === 'InvalidArgumentError' ? EXIT.usage : EXIT.failure;
}

/** Node system errors, by code: what went wrong in words a person can act on. */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
};

/**
 * One line for an error, never a stack (`--debug` adds it): ncomp's own errors as they
 * are, system errors with the path and the fix, running out of memory with advice
 * fitting the command (`spec.memoryAdvice`), anything else as an unexpected error to report.
 * @param err - What a command threw.
 * @param spec - The command (only its `memoryAdvice` is read).
 */
export function describeFailure(err: unknown, spec: Pick<CommandSpec, 'memoryAdvice'>): string {
  if (err instanceof NcompError) return err.message;
  const code = errorCode(err);
  if (code !== undefined && code in SYSTEM_ERRORS) {
    const path = (err as { path?: unknown }).path;
    const where = typeof path === 'string' ? `${path}: ` : '';
    return `${where}${SYSTEM_ERRORS[code]} (${code}); check the path and its permissions, or choose another one`;
  }
  const text = String((err as Error)?.message ?? err);
  if (/Aborted\(|Out of memory|memory access out of bounds|Array buffer allocation failed|Invalid typed array length/i.test(text)) {
    const advice = spec.memoryAdvice ?? 'install @tensorflow/tfjs-node (--backend tensorflow), which is not limited to 4 GiB';
    return `the TensorFlow.js backend ran out of memory (${text.slice(0, 80)}). The wasm backend is limited to 4 GiB: ${advice}; see docs/backends.md`;
  }
  return `unexpected error: ${text} (run again with --debug for the stack trace, and please report it)`;
}
