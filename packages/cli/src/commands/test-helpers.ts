/**
 * Helpers of the CLI tests (not part of the package's API): run `ncomp` in-process and
 * write small deterministic test images.
 */
import sharp from 'sharp';
import { main } from '../main.js';

/** What one `ncomp` run printed and returned. */
export interface CliRun {
  /** Exit code. */
  readonly code: number;
  /** Everything written to stdout. */
  readonly stdout: string;
  /** Everything written to stderr. */
  readonly stderr: string;
}

/** Runs `ncomp <argv>` in-process, capturing stdout and stderr. */
export async function ncomp(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

/** Writes a smooth colourful RGB PNG with some seeded texture. */
export async function writeTestImage(path: string, width: number, height: number, seed: number): Promise<void> {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const p = Math.floor(i / 3);
    const x = p % width;
    const y = Math.floor(p / width);
    const c = i % 3;
    data[i] = Math.max(0, Math.min(255, Math.round(128 + 100 * Math.sin((x + seed * 7) / (5 + c)) * Math.cos(y / (7 + c)) + ((s >>> 24) - 128) / 8)));
  }
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}
