import { temporaryFiles, trackTemporaryFile } from '@ncomp/core';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSignalHandlers, onInterrupt } from './signals.js';

let dir: string;
const exits: number[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncomp-signals-'));
  installSignalHandlers((code) => exits.push(code));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('signals', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during an atomic write removes its temporary file and exits %i', async (signal, code) => {
    const tmp = join(dir, `.out.ncomp.${process.pid}.0a1b2c3d4e5f.tmp`);
    await writeFile(tmp, new Uint8Array(4096)); // a write in progress, as writeFileAtomic tracks it
    trackTemporaryFile(tmp);
    exits.length = 0;
    process.emit(signal, signal);
    expect(exits).toEqual([code]);
    expect(await readdir(dir)).toEqual([]);
    expect(temporaryFiles()).toEqual([]);
  });

  it('a handler takes the first signal only; the second gets the default action', () => {
    const seen: string[] = [];
    onInterrupt((s) => seen.push(s));
    exits.length = 0;
    process.emit('SIGINT', 'SIGINT');
    expect(seen).toEqual(['SIGINT']);
    expect(exits).toEqual([]);
    process.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([130]);
  });

  it('an unregistered handler gets nothing', () => {
    const seen: string[] = [];
    const release = onInterrupt((s) => seen.push(s));
    release();
    exits.length = 0;
    process.emit('SIGTERM', 'SIGTERM');
    expect(seen).toEqual([]);
    expect(exits).toEqual([143]);
  });
});
