import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.js';
import { removeTemporaryFilesSync, temporaryFiles, trackTemporaryFile } from './temporary-files.js';
import { writeFileAtomic } from './write-file-atomic.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncomp-atomic-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes, refuses to overwrite without the option, replaces with it, and leaves no temporary file', async () => {
    const path = join(dir, 'a.bin');
    await writeFileAtomic(path, Uint8Array.of(1, 2));
    await expect(writeFileAtomic(path, Uint8Array.of(3))).rejects.toThrow(/refusing to overwrite existing file .*a\.bin/);
    await writeFileAtomic(path, Uint8Array.of(3), { overwrite: true });
    expect([...(await readFile(path))]).toEqual([3]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(temporaryFiles()).toEqual([]);
  });

  it('names the path and the fix for a missing folder, a directory target and a file used as a folder', async () => {
    const missing = join(dir, 'missing', 'dir', 'out.ncomp');
    await expect(writeFileAtomic(missing, Uint8Array.of(1))).rejects.toThrow(InvalidArgumentError);
    await expect(writeFileAtomic(missing, Uint8Array.of(1))).rejects.toThrow(/the folder .*missing[/\\]dir does not exist; create it first/);
    const folder = join(dir, 'folder');
    await mkdir(folder);
    for (const overwrite of [false, true]) {
      await expect(writeFileAtomic(folder, Uint8Array.of(1), { overwrite })).rejects.toThrow(/folder: it is a directory; give a file name/);
    }
    const file = join(dir, 'plain');
    await writeFile(file, 'x');
    await expect(writeFileAtomic(join(file, 'out.ncomp'), Uint8Array.of(1))).rejects.toThrow(/is not a folder/);
    expect(temporaryFiles()).toEqual([]);
  });

  it('tracked temporary files are removed synchronously by removeTemporaryFilesSync', async () => {
    const tmp = join(dir, '.out.ncomp.123.abcdef.tmp');
    await writeFile(tmp, 'partial');
    trackTemporaryFile(tmp);
    expect(temporaryFiles()).toEqual([tmp]);
    expect(removeTemporaryFilesSync()).toEqual([tmp]);
    expect(await readdir(dir)).not.toContain('.out.ncomp.123.abcdef.tmp');
    expect(temporaryFiles()).toEqual([]);
  });
});
