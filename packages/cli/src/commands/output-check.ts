import { InvalidArgumentError, errorCode } from '@ncomp/core';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Checks before any work that `path` can be written: its folder exists, it is not a
 * directory, and (without `force`) no file is there. The atomic write checks again (a
 * file may appear meanwhile); this only spares a long computation that cannot be saved.
 * @throws InvalidArgumentError naming the path and the fix.
 */
export async function checkOutputPath(path: string, force: boolean): Promise<void> {
  const folder = dirname(path);
  const kind = async (p: string): Promise<'file' | 'dir' | 'none'> => {
    try {
      return (await stat(p)).isDirectory() ? 'dir' : 'file';
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT') return 'none';
      if (code === 'ENOTDIR')
        throw new InvalidArgumentError(`cannot write ${path}: a part of ${folder} is a file, not a folder; choose another output path`, { cause: err });
      throw err;
    }
  };
  const target = await kind(path);
  if (target === 'dir') throw new InvalidArgumentError(`cannot write ${path}: it is a directory; give a file name, or write into it with -o ${path}/`);
  if (target === 'file' && !force) throw new InvalidArgumentError(`refusing to overwrite existing file ${path}; pass --force to replace it`);
  const parent = await kind(folder);
  if (parent === 'none')
    throw new InvalidArgumentError(`cannot write ${path}: the folder ${folder} does not exist; create it first or choose another output path`);
  if (parent === 'file') throw new InvalidArgumentError(`cannot write ${path}: ${folder} is a file, not a folder; choose another output path`);
}
