import { InvalidArgumentError, NcompError, errorCode } from '@ncomp/core';
import { decodeContainer, type Container } from '@ncomp/models/container';
import { readFile } from 'node:fs/promises';

/**
 * The same kind of ncomp error with the file's path in front of its message (and
 * `advice` after it), so that a refusal names the file it is about
 * (`<path>: corrupt ncomp file: ...`). Other errors are returned unchanged.
 */
export function namingFile(path: string, err: unknown, advice = ''): unknown {
  if (!(err instanceof NcompError)) return err;
  const Kind = err.constructor as new (message: string, options?: ErrorOptions) => NcompError;
  return new Kind(`${path}: ${err.message}${advice}`, { cause: err });
}

/**
 * Reads and decodes a .ncomp file.
 * @throws InvalidArgumentError when the file cannot be read (`no such file`); the
 *   container's own errors (UnsupportedFormatError, CorruptStreamError) with the path in
 *   front of the message.
 */
export async function readContainerFile(path: string): Promise<Container> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') throw new InvalidArgumentError(`no such file: ${path}`, { cause: err });
    if (code === 'EISDIR') throw new InvalidArgumentError(`expected an .ncomp file, found a directory: ${path}`, { cause: err });
    throw new InvalidArgumentError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return decodeContainerNamed(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}

/**
 * Decodes .ncomp bytes (e.g. read from stdin), naming `name` in any refusal.
 * @throws The container's own errors (UnsupportedFormatError, CorruptStreamError) with `name` in front of the message.
 */
export function decodeContainerNamed(bytes: Uint8Array, name: string): Container {
  try {
    return decodeContainer(bytes);
  } catch (err) {
    throw namingFile(name, err);
  }
}
