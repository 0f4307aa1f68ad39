import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimThreads, threadsClaimedByOthers } from './thread-claims.js';

const folder = mkdtempSync(join(tmpdir(), 'ncomp-claims-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A pid that surely belongs to no process now: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

describe('wasm thread claims', () => {
  it('count the threads of other live processes, skip this one, and remove the files of processes that are gone', () => {
    const withdraw = claimThreads(2, folder);
    expect(readFileSync(join(folder, String(process.pid)), 'utf8')).toBe('2');
    expect(threadsClaimedByOthers(folder)).toBe(0);
    writeFileSync(join(folder, String(process.ppid)), '3'); // the parent is alive
    const dead = deadPid();
    writeFileSync(join(folder, String(dead)), '4');
    writeFileSync(join(folder, 'notes.txt'), '5');
    expect(threadsClaimedByOthers(folder)).toBe(3);
    expect(existsSync(join(folder, String(dead)))).toBe(false);
    expect(existsSync(join(folder, 'notes.txt'))).toBe(true);
    withdraw();
    expect(existsSync(join(folder, String(process.pid)))).toBe(false);
  });

  it('never throw: an unreadable or unwritable folder means no claims', () => {
    expect(threadsClaimedByOthers(join(folder, 'missing'))).toBe(0);
    const file = join(folder, 'a-file');
    writeFileSync(file, '');
    const withdraw = claimThreads(2, join(file, 'below'));
    expect(() => withdraw()).not.toThrow();
  });
});
