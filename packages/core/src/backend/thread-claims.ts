/**
 * Cores claimed by the wasm backends of other ncomp processes on this machine, so that the
 * default thread count sees processes started at the same moment: the load average catches
 * up with a new process only after seconds, and two runs started together each saw the
 * other core idle, took two threads and stalled each other (two training runs: 0.15 and 0.08
 * steps/s instead of 0.33 and 0.5). Each process in Node.js writes `<pid>` (its thread
 * count) into one folder under the temporary directory and removes it when it exits; files
 * of processes that are gone are removed by whoever finds them. Loaded only in Node.js.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** The folder of the claims: one file per process, named by its pid, holding its thread count. */
export function defaultClaimsFolder(): string {
  return join(tmpdir(), 'ncomp-wasm-threads');
}

/** Whether a process is alive (signal 0: EPERM means it is, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Threads claimed by other live processes; files of processes that are gone are removed.
 * Never throws: a folder that cannot be read counts as no claims.
 * @param folder - The claims folder (default {@link defaultClaimsFolder}; tests pass another).
 */
export function threadsClaimedByOthers(folder = defaultClaimsFolder()): number {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return 0;
  }
  let total = 0;
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) continue;
    if (!alive(pid)) {
      rmSync(join(folder, name), { force: true });
      continue;
    }
    try {
      const n = Number(readFileSync(join(folder, name), 'utf8'));
      if (Number.isSafeInteger(n) && n > 0) total += n;
    } catch {
      // Removed meanwhile: its process just exited.
    }
  }
  return total;
}

/**
 * Records that this process runs `threads` wasm threads, until it exits (or until the
 * returned function is called); a later call replaces the count. Only the main thread
 * records. Never throws: without a writable folder nothing is recorded.
 * @param threads - This process's thread count.
 * @param folder - The claims folder (default {@link defaultClaimsFolder}).
 * @returns A function that withdraws the claim.
 */
export function claimThreads(threads: number, folder = defaultClaimsFolder()): () => void {
  // Worker threads (the data-parallel trainer's) share the process and its claim.
  if (!isMainThread) return () => {};
  const file = join(folder, String(process.pid));
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(file, String(threads));
  } catch {
    return () => {};
  }
  const withdraw = (): void => {
    process.removeListener('exit', withdraw);
    rmSync(file, { force: true });
  };
  process.once('exit', withdraw);
  return withdraw;
}
