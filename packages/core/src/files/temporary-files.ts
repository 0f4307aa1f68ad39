/**
 * The temporary files this process is writing, so that a signal handler can remove them
 * before the process exits (Node.js runs no `finally` blocks on SIGINT / SIGTERM).
 */
import { rmSync } from 'node:fs';

const pending = new Set<string>();

/** Records `path` as a temporary file being written (see {@link removeTemporaryFilesSync}). */
export function trackTemporaryFile(path: string): void {
  pending.add(path);
}

/** Forgets `path` (it was moved into place or removed). */
export function untrackTemporaryFile(path: string): void {
  pending.delete(path);
}

/** The temporary files currently being written, oldest first. */
export function temporaryFiles(): readonly string[] {
  return [...pending];
}

/**
 * Removes every tracked temporary file, synchronously (safe in a signal handler just
 * before `process.exit`), and forgets them. Files already gone are ignored; other
 * failures are ignored too, as there is nothing better to do while exiting.
 * @returns The paths it tried to remove.
 */
export function removeTemporaryFilesSync(): string[] {
  const paths = [...pending];
  for (const path of paths) {
    try {
      rmSync(path, { force: true });
    } catch {
      // Exiting anyway; a leftover `.tmp` file is the worst outcome.
    }
    pending.delete(path);
  }
  return paths;
}
