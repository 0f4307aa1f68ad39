/**
 * Where `ncomp compress` / `decompress` write each output: stdout (`-o -`, or by default for
 * stdin input), the file `-o` names, or a folder (`-o dir/`, `--out-dir`, or beside each
 * input), named after the input. Everything is decided, and checked, before any work.
 */
import { InvalidArgumentError, errorCode } from '@ncomp/core';
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import type { ExpandedInputs, InputSource } from './inputs.js';
import { checkOutputPath } from './output-check.js';

/** Where one output goes. */
export type OutputTarget = { readonly kind: 'stdout' } | { readonly kind: 'file'; readonly path: string };

/** One unit of work: an input and where its output goes. */
export interface Job {
  /** The input. */
  readonly source: InputSource;
  /** The output. */
  readonly target: OutputTarget;
}

/** `-o` / `--out-dir` as given. */
export interface OutputOptions {
  /** `-o, --output`: a file, a folder (existing, or ending in `/`), or `-` for stdout. */
  readonly output: string | undefined;
  /** `--out-dir`: a folder. */
  readonly outDir: string | undefined;
}

/** How inputs and outputs are named in messages: a path, `<stdin>` or `<stdout>`. */
export const sourceName = (s: InputSource): string => (s.kind === 'stdin' ? '<stdin>' : s.path);
/** See {@link sourceName}. */
export const targetName = (t: OutputTarget): string => (t.kind === 'stdout' ? '<stdout>' : t.path);

/**
 * Pairs each input with its output (extension `ext`, e.g. `.ncomp`).
 * @throws InvalidArgumentError for `-o <file>` with several inputs or a folder / pattern,
 *   `-o -` with more than one input, `-o` beside `--out-dir`, stdin input into a folder (it
 *   has no name), or two inputs that would write the same output.
 */
export async function planJobs(inputs: ExpandedInputs, ext: string, options: OutputOptions): Promise<Job[]> {
  const { output, outDir } = options;
  if (output !== undefined && outDir !== undefined) throw new InvalidArgumentError('give -o or --out-dir, not both');
  const several = inputs.sources.length > 1 || inputs.expanded;
  let folder = outDir;
  if (output === '-') {
    if (several)
      throw new InvalidArgumentError(`-o - writes one output to stdout, but ${describeInputs(inputs)} were given; give a folder (-o dir/ or --out-dir dir)`);
    return [{ source: inputs.sources[0]!, target: { kind: 'stdout' } }];
  }
  if (output !== undefined) {
    if (output.endsWith('/') || output.endsWith(sep) || (await isFolder(output))) folder = output;
    else if (several)
      throw new InvalidArgumentError(`-o ${output} names one file, but ${describeInputs(inputs)} were given; give a folder (-o dir/ or --out-dir dir)`);
    else return [{ source: inputs.sources[0]!, target: { kind: 'file', path: output } }];
  }
  const jobs = inputs.sources.map((source): Job => {
    if (source.kind === 'stdin') {
      if (folder !== undefined) throw new InvalidArgumentError('stdin (-) has no file name to name an output after; give -o <file> or -o -');
      return { source, target: { kind: 'stdout' } };
    }
    const stem = basename(source.path, extname(source.path));
    return { source, target: { kind: 'file', path: join(folder ?? dirname(source.path), `${stem}${ext}`) } };
  });
  refuseCollisions(jobs);
  return jobs;
}

/**
 * Checks every file output before any work ({@link checkOutputPath}: its folder exists, no
 * file is replaced without `force`), and refuses binary data on a terminal stdout unless `force`.
 * @param what - The data, for the message (e.g. `.ncomp data`).
 * @throws InvalidArgumentError naming the first refused output and how many more there are.
 */
export async function checkJobs(jobs: readonly Job[], force: boolean, stdoutIsTTY: boolean, what: string): Promise<void> {
  const refusals: Error[] = [];
  for (const { target } of jobs) {
    if (target.kind === 'stdout') {
      if (stdoutIsTTY && !force)
        refusals.push(new InvalidArgumentError(`refusing to write ${what} to a terminal; redirect stdout (> file, | command) or pass --force`));
      continue;
    }
    try {
      await checkOutputPath(target.path, force);
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err;
      refusals.push(err);
    }
  }
  if (refusals.length === 1) throw refusals[0]!;
  if (refusals.length > 1) throw new InvalidArgumentError(`${refusals[0]!.message} (and ${refusals.length - 1} more outputs refused; nothing was written)`);
}

function describeInputs(inputs: ExpandedInputs): string {
  const n = inputs.sources.length;
  return inputs.expanded ? `a folder or pattern (${n} input${n === 1 ? '' : 's'})` : `${n} inputs`;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Two inputs that would write the same output (same name in one folder, or the same input twice) are refused. */
function refuseCollisions(jobs: readonly Job[]): void {
  const seen = new Map<string, string>();
  for (const { source, target } of jobs) {
    if (target.kind !== 'file' || source.kind !== 'file') continue;
    const key = resolve(target.path);
    const earlier = seen.get(key);
    if (earlier !== undefined)
      throw new InvalidArgumentError(
        earlier === source.path
          ? `${source.path} is given twice`
          : `${earlier} and ${source.path} would both be written to ${target.path}; process them separately (with -o) or rename one`,
      );
    seen.set(key, source.path);
  }
}
