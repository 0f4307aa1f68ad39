/**
 * Helpers of the CLI tests (not part of the package's API): run `ncomp` in-process or as a
 * process (the built CLI), and write small deterministic test images.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createModel, saveModelFile } from '@ncomp/models';
import sharp from 'sharp';
import { main } from '../main.js';

/** What one `ncomp` run printed and returned. */
export interface CliRun {
  /** Exit code. */
  readonly code: number;
  /** Everything written to stdout (as UTF-8 text). */
  readonly stdout: string;
  /** Everything written to stdout, as bytes (data written with `-o -`). */
  readonly stdoutBytes: Buffer;
  /** Everything written to stderr. */
  readonly stderr: string;
}

/** Runs `ncomp <argv>` in-process, capturing stdout and stderr. */
export async function ncomp(...argv: string[]): Promise<CliRun> {
  return ncompWith({}, ...argv);
}

/** What {@link ncompWith} changes of the process's streams and environment. */
export interface FakeIo {
  /** Bytes on stdin, or `tty` for a terminal stdin (nothing piped in); default: empty. */
  readonly stdin?: Uint8Array | 'tty';
  /** Whether stdout says it is a terminal. */
  readonly stdoutIsTTY?: boolean;
  /** Whether stderr says it is a terminal. */
  readonly stderrIsTTY?: boolean;
  /** The environment (default: the test's own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Runs `ncomp <argv>` in-process with fake streams (see {@link FakeIo}), capturing stdout and stderr. */
export async function ncompWith(io: FakeIo, ...argv: string[]): Promise<CliRun> {
  const out: Buffer[] = [];
  let stderr = '';
  const stdin = io.stdin;
  const code = await main(argv, {
    stdout: { write: (chunk: string | Uint8Array) => out.push(Buffer.from(chunk)), isTTY: io.stdoutIsTTY === true },
    stderr: { write: (chunk: string | Uint8Array) => (stderr += chunk.toString()), isTTY: io.stderrIsTTY === true },
    stdin: stdin === 'tty' ? Object.assign(Readable.from([]), { isTTY: true }) : Readable.from(stdin ? [Buffer.from(stdin)] : []),
    ...(io.env ? { env: io.env } : {}),
  });
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString(), stdoutBytes, stderr };
}

/** Writes a tiny untrained bmshj2018 model file with two rate levels (fast to run, not to look at). */
export async function writeTinyModel(path: string): Promise<void> {
  const config = { N: 8, M: 8, lambdas: [0.01, 0.05] };
  const model = createModel('bmshj2018', config);
  model.update();
  await saveModelFile(path, model, 'bmshj2018', config);
  model.dispose();
}

/** The built CLI (`npm run build` writes it; `npm test` builds before testing). */
export const BUILT_CLI = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

/** What one `ncomp` process wrote and how it ended. */
export interface ProcessRun {
  /** Exit code (null when ended by a signal). */
  readonly code: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Everything written to stdout, as bytes. */
  readonly stdout: Buffer;
  /** Everything written to stderr. */
  readonly stderr: string;
}

/** Options of {@link ncompProcess}. */
export interface ProcessOptions {
  /** Bytes fed to stdin (then closed); default: stdin is closed at once. */
  readonly stdin?: Uint8Array;
  /** Environment variables added to (or, when undefined, removed from) the test's own. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Close the reading end of stdout at once, as `| head -c 0` would. */
  readonly closeStdout?: boolean;
}

/**
 * Runs the built `ncomp` (dist/bin.js) as a process with piped stdin / stdout / stderr.
 * @throws Error when the CLI is not built.
 */
export async function ncompProcess(argv: readonly string[], options: ProcessOptions = {}): Promise<ProcessRun> {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` before these tests`);
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [BUILT_CLI, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const out: Buffer[] = [];
  let err = '';
  if (options.closeStdout) child.stdout.destroy();
  else child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.on('error', () => {}); // the CLI may exit without reading its input
  child.stdin.end(options.stdin ?? new Uint8Array(0));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  return { code, signal, stdout: Buffer.concat(out), stderr: err };
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
