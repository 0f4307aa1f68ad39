import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { claimThreads, threadsClaimedByOthers } from './thread-claims.js';
import { defaultWasmThreads, WASM_THREADS_ENV } from './wasm-threads.js';

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

describe('defaultWasmThreads with claims', () => {
  const saved = process.env[WASM_THREADS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[WASM_THREADS_ENV];
    else process.env[WASM_THREADS_ENV] = saved;
  });

  it('counts cores claimed by other processes as busy even before the load average shows them', () => {
    delete process.env[WASM_THREADS_ENV];
    // Two runs started together: the load average is still ~0, the first one claimed a core.
    expect(defaultWasmThreads({ cores: 2, load: 0.2, claimed: 0 })).toBe(2);
    expect(defaultWasmThreads({ cores: 2, load: 0.2, claimed: 1 })).toBe(1);
    // Once the load average counts them, claims are not counted twice.
    expect(defaultWasmThreads({ cores: 8, load: 3.5, claimed: 3 })).toBe(4);
    expect(defaultWasmThreads({ cores: 8, load: 1, claimed: 5 })).toBe(3);
  });
});
