import {
  BackendUnavailableError,
  CorruptStreamError,
  InvalidArgumentError,
  ModelMismatchError,
  NcompError,
  ShapeError,
  UnsupportedFormatError,
} from '@ncomp/core';
import type { ErrorMessage } from './protocol.js';

const KINDS: Readonly<Record<string, new (message: string, options?: ErrorOptions) => NcompError>> = {
  BackendUnavailableError,
  CorruptStreamError,
  InvalidArgumentError,
  ModelMismatchError,
  ShapeError,
  UnsupportedFormatError,
  NcompError,
};

/** What a worker posts for an error it caught. */
export function errorMessage(err: unknown, id: number | undefined): ErrorMessage {
  if (err instanceof Error) return { type: 'error', id, name: err.name, message: err.message, stack: err.stack };
  return { type: 'error', id, name: 'Error', message: String(err), stack: undefined };
}

/**
 * The main thread's error for one a worker reported: the same ncomp error class when it
 * was one (so callers can still tell an InvalidArgumentError from a ShapeError), else an
 * NcompError naming the original kind; the message says which worker, the worker's stack
 * is kept as the `cause`.
 */
export function remoteError(worker: number, what: string, message: ErrorMessage): NcompError {
  const Kind = KINDS[message.name];
  const text = `gradient worker ${worker} failed ${what}: ${Kind ? '' : `${message.name}: `}${message.message}`;
  const cause = new Error(message.message);
  cause.name = message.name;
  if (message.stack !== undefined) cause.stack = message.stack;
  return new (Kind ?? NcompError)(text, { cause });
}
