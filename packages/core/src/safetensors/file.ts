/**
 * Reading and writing safetensors files on disk (Node.js only: uses `node:fs`).
 */
import { readFile } from 'node:fs/promises';
import { errorCode, writeFileAtomic } from '../files/index.js';
import { InvalidArgumentError, NcompError } from '../errors/index.js';
import type { SafetensorsFile } from './read.js';
import { readSafetensors } from './read.js';
import type { SafetensorsTensorMap, WriteSafetensorsOptions } from './write.js';
import { writeSafetensors } from './write.js';

/** Options of {@link writeSafetensorsFile}. */
export interface WriteSafetensorsFileOptions extends WriteSafetensorsOptions {
  /** Replace an existing file at the path. Default `false`: an existing file is refused. */
  readonly overwrite?: boolean;
}

/**
 * Prefixes an ncomp error's message with the file path, keeping its class, so a caller
 * catching `CorruptStreamError` still can and the message says which file was bad.
 */
function withPath(path: string, err: unknown): unknown {
  if (!(err instanceof NcompError)) return err;
  const Kind = err.constructor as new (message: string, options?: ErrorOptions) => NcompError;
  return new Kind(`${path}: ${err.message}`, { cause: err });
}

/**
 * Reads, validates and decodes a safetensors file (see `readSafetensors` for the checks
 * and the returned types). The whole file is read into memory, so files are limited to
 * Node's maximum buffer size (2 GiB or more, depending on the Node version).
 *
 * @param path - File path.
 * @returns Tensors by name and the metadata map.
 * @throws InvalidArgumentError when the file does not exist; CorruptStreamError or
 *   UnsupportedFormatError (message prefixed with the path) for a bad file; other file
 *   system errors as Node reports them.
 */
export async function readSafetensorsFile(path: string): Promise<SafetensorsFile> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new InvalidArgumentError(`no such safetensors file: ${path}`, { cause: err });
    }
    throw err;
  }
  try {
    return readSafetensors(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  } catch (err) {
    throw withPath(path, err);
  }
}

/**
 * Writes tensors to a safetensors file atomically: the bytes go to a temporary file in
 * the same directory (so the final step cannot cross file systems), are flushed to disk,
 * and then the temporary file is moved into place. A crash or error leaves either the
 * old file or the complete new one, never a partial file; the temporary file is removed
 * on failure.
 *
 * Without `overwrite`, the move uses a hard link, which fails atomically if the target
 * appeared in the meantime (a check-then-rename could replace a file created between the
 * check and the rename). On file systems without hard links it falls back to
 * check-then-rename.
 *
 * @param path - Target file path.
 * @param tensors - Tensors by name (see `writeSafetensors` for the accepted data).
 * @param options - Metadata and `overwrite` (default `false`).
 * @throws InvalidArgumentError when the target exists and `overwrite` is not set, or for
 *   invalid tensors (see `writeSafetensors`); ShapeError for data of the wrong length;
 *   file system errors as Node reports them.
 */
export async function writeSafetensorsFile(path: string, tensors: SafetensorsTensorMap, options: WriteSafetensorsFileOptions = {}): Promise<void> {
  // Encode first: invalid input must fail before anything touches the disk.
  const bytes = writeSafetensors(tensors, options.metadata === undefined ? {} : { metadata: options.metadata });
  await writeFileAtomic(path, bytes, { overwrite: options.overwrite === true });
}
