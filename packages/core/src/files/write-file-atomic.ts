/**
 * Atomic, no-overwrite-by-default file writes (Node.js only: uses `node:fs`).
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { InvalidArgumentError } from '../errors/index.js';
import { trackTemporaryFile, untrackTemporaryFile } from './temporary-files.js';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Replace an existing file at the path. Default `false`: an existing file is refused. */
  readonly overwrite?: boolean;
  /** Wording of the refusal's hint, e.g. `pass --force to replace it`. Default: `pass { overwrite: true } to replace it`. */
  readonly overwriteHint?: string;
}

/** The `code` of a Node.js system error, if any. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Writes bytes to a file atomically: they go to a temporary file in the same directory
 * (so the final step cannot cross file systems), are flushed to disk, and the temporary
 * file is then moved into place. A crash or error leaves either the old file or the
 * complete new one, never a partial file; the temporary file is removed on failure.
 *
 * Without `overwrite`, the move uses a hard link, which fails atomically if the target
 * appeared in the meantime (a check-then-rename could replace a file created between the
 * check and the rename). On file systems without hard links it falls back to
 * check-then-rename.
 *
 * The temporary file is tracked ({@link trackTemporaryFile}) while it exists, so that a
 * SIGINT / SIGTERM handler can remove it with `removeTemporaryFilesSync` before exiting.
 *
 * @param path - Target file path; its directory must exist.
 * @param bytes - The complete contents.
 * @param options - See {@link WriteFileAtomicOptions}.
 * @throws InvalidArgumentError when the target exists and `overwrite` is not set, when it
 *   is a directory, or when its directory does not exist or is not a directory (each
 *   message names the path and what to do); other file system errors as Node reports them.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: WriteFileAtomicOptions = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const hint = options.overwriteHint ?? 'pass { overwrite: true } to replace it';
  const refuse = (cause?: unknown): InvalidArgumentError =>
    new InvalidArgumentError(`refusing to overwrite existing file ${path}; ${hint}`, cause === undefined ? undefined : { cause });
  await checkWritableTarget(path);
  trackTemporaryFile(tmp);
  try {
    // 'wx': never reuse an existing file, even a stale temporary one.
    let handle;
    try {
      handle = await open(tmp, 'wx');
    } catch (err) {
      throw explainOpenError(err, path);
    }
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite === true) {
      await rename(tmp, path);
      return;
    }
    try {
      await link(tmp, path);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EEXIST') throw refuse(err);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      // No hard links here (e.g. some network or FAT file systems): best effort.
      if (await pathExists(path)) throw refuse();
      await rename(tmp, path);
    }
  } finally {
    // After link() the temporary name is a second link to the new file; after rename()
    // it no longer exists. Either way removing it is right, and `force` ignores absence.
    // A failure to remove it (e.g. ENOTDIR: it was never created) must not hide the error
    // that got us here.
    await rm(tmp, { force: true }).catch(() => undefined);
    untrackTemporaryFile(tmp);
  }
}

/** Refuses a target that is a directory before anything is written. */
async function checkWritableTarget(path: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    return; // absent (or unreadable): open() below reports what is wrong with the folder
  }
  if (isDirectory) {
    throw new InvalidArgumentError(
      `cannot write ${path}: it is a directory; give a file name (e.g. ${join(path, 'out' + extname(basename(path)))}) or another path`,
    );
  }
}

/** Typed, actionable errors for the usual reasons a file cannot be created in a folder. */
function explainOpenError(err: unknown, path: string): unknown {
  const folder = dirname(path);
  switch (errorCode(err)) {
    case 'ENOENT':
      return new InvalidArgumentError(`cannot write ${path}: the folder ${folder} does not exist; create it first or choose another output path`, {
        cause: err,
      });
    case 'ENOTDIR':
      return new InvalidArgumentError(`cannot write ${path}: ${folder} is not a folder; choose another output path`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new InvalidArgumentError(`cannot write ${path}: no permission to create files in ${folder}; choose another output path`, { cause: err });
    default:
      return err;
  }
}

/** Whether anything (a file, directory or dangling symlink) exists at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw err;
  }
}
