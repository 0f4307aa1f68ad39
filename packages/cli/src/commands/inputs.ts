/**
 * The inputs of `ncomp compress` / `decompress`: `-` (stdin), files, folders (the matching
 * files directly in them) and quoted glob patterns (`'photos/*.png'`, `'in/**\/*.jpg'`,
 * `?`, `[a-z]`, `{png,jpg}`), expanded by ncomp itself (through tinyglobby), so they work
 * the same in every shell.
 */
import { InvalidArgumentError, errorCode } from '@ncomp/core';
import { readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/** Where one input comes from. */
export type InputSource = { readonly kind: 'stdin' } | { readonly kind: 'file'; readonly path: string };

/** Which files a folder or a pattern contributes. */
export interface InputKind {
  /** What the files are called in messages (`images`, `.ncomp files`). */
  readonly noun: string;
  /** Whether a file name is one of them (by its extension). */
  matches(name: string): boolean;
}

/** The inputs an argument list names. */
export interface ExpandedInputs {
  /** In argument order; a folder's or pattern's files sorted by path. */
  readonly sources: readonly InputSource[];
  /** Whether a folder or a pattern was given (outputs must then go into a folder). */
  readonly expanded: boolean;
  /** Files and subfolders a folder or pattern held that were not taken, one line each for the log. */
  readonly ignored: readonly string[];
}

/** Whether an argument is the stdin marker `-`. */
export const isStdin = (arg: string): boolean => arg === '-';

/**
 * Expands the arguments: `-` is stdin (the only input then), an existing folder gives its
 * files that `kind` matches (not its subfolders), an existing file is taken as is (even
 * with `*` in its name), a pattern gives the matching files that `kind` matches, and any
 * other argument is kept as a file path (reading it reports `no such file`).
 * @throws InvalidArgumentError for `-` beside other inputs, or a folder or pattern that
 *   gives no file of the kind (nothing would be done for it).
 */
export async function expandInputs(args: readonly string[], kind: InputKind): Promise<ExpandedInputs> {
  if (args.some(isStdin) && args.length > 1)
    throw new InvalidArgumentError(`- (stdin) must be the only input, found ${args.length} inputs; give the files, or pipe one image in`);
  const sources: InputSource[] = [];
  const ignored: string[] = [];
  let expanded = false;
  for (const arg of args) {
    if (isStdin(arg)) {
      sources.push({ kind: 'stdin' });
      continue;
    }
    const what = await pathKind(arg);
    if (what === 'file' || (what === 'none' && !isDynamicPattern(arg))) {
      sources.push({ kind: 'file', path: arg });
      continue;
    }
    expanded = true;
    const found = what === 'dir' ? await folderFiles(arg) : await patternFiles(arg);
    const taken = found.files.filter((f) => kind.matches(f));
    const left = [...found.files.filter((f) => !kind.matches(f)), ...found.folders.map((f) => `${f}/ (a folder; not searched)`)];
    if (left.length > 0) ignored.push(`${arg}: ${left.length} not taken (not ${kind.noun}): ${left.slice(0, 5).join(', ')}${left.length > 5 ? ', ...' : ''}`);
    if (taken.length === 0)
      throw new InvalidArgumentError(
        what === 'dir' ? `no ${kind.noun} in the folder ${arg}` : `no ${kind.noun} match ${arg} (patterns: *, ?, **, [abc], {a,b})`,
      );
    sources.push(...taken.map((path) => ({ kind: 'file' as const, path })));
  }
  return { sources, expanded, ignored };
}

/** Image files, by extension (case-insensitive). */
export function imageKind(extensions: ReadonlySet<string>): InputKind {
  return { noun: 'images', matches: (name) => extensions.has(extname(name).toLowerCase()) };
}

/** .ncomp files, by extension. */
export const NCOMP_KIND: InputKind = { noun: '.ncomp files', matches: (name) => extname(name).toLowerCase() === '.ncomp' };

async function pathKind(path: string): Promise<'file' | 'dir' | 'none'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'none';
    throw err;
  }
}

/** The files and subfolders directly in a folder, sorted. */
async function folderFiles(folder: string): Promise<{ files: string[]; folders: string[] }> {
  const files: string[] = [];
  const folders: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const p = join(folder, entry.name);
    if (entry.isDirectory()) folders.push(p);
    else if (entry.isFile() || (entry.isSymbolicLink() && (await pathKind(p)) === 'file')) files.push(p);
  }
  return { files: files.sort(), folders: folders.sort() };
}

/** The files matching a pattern, sorted (paths relative to the working folder, or absolute for an absolute pattern). */
async function patternFiles(pattern: string): Promise<{ files: string[]; folders: string[] }> {
  const files = await glob(pattern, { onlyFiles: true, expandDirectories: false, absolute: isAbsolute(pattern) });
  return { files: files.sort(), folders: [] };
}
