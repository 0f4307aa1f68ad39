/**
 * The API reference's examples, kept true: every fenced ```ts block under an `@example`
 * tag in the packages' sources (tests aside) is written to `.doc-examples/` as a module of
 * its own, so that `npm run typecheck` type-checks it (tsconfig.check.json includes the
 * folder) and `scripts/doc-examples.test.ts` runs it.
 *
 * An example is a complete program: it imports what it uses from the packages' public
 * entry points (`@ncomp/...`) and states what holds with `node:assert`, so a user can paste
 * it into a file and run it. A block fenced as ```ts no-run is type-checked but not run
 * (for one that needs a file the tests do not have, such as LPIPS weights).
 *
 * Usage: tsx scripts/doc-examples.ts   (writes .doc-examples/, prints how many)
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** One example block. */
export interface DocExample {
  /** The source file, relative to the repository root. */
  readonly source: string;
  /** The 1-based line of the code block's first line in the source. */
  readonly line: number;
  /** The documented declaration (best effort: the first name declared after the comment). */
  readonly symbol: string;
  /** The code, comment markers removed. */
  readonly code: string;
  /** False for a block fenced as ```ts no-run: type-checked only (it needs files or weights that tests lack). */
  readonly run: boolean;
  /** Where {@link writeDocExamples} writes it. */
  readonly output: string;
}

/** Source files of the packages, tests and test helpers aside. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(path));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !/\.test\.ts$/.test(e.name)) out.push(path);
  }
  return out;
}

/** The name declared after a doc comment (`class GDN`, `function mse`, `encode(`), or `?`. */
function declaredName(after: string): string {
  const decl =
    /^\s*(?:export\s+)?(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(?:class|function\*?|const|let|interface|type|enum)\s+([\w$]+)/.exec(after);
  if (decl?.[1] !== undefined) return decl[1];
  const member = /^\s*(?:(?:public|protected|static|readonly|async|override|get|set)\s+)*([\w$]+)\s*[(<:=?]/.exec(after);
  return member?.[1] ?? '?';
}

/** Finds the example blocks of one file. */
export function examplesOf(path: string, outDir: string): DocExample[] {
  const text = readFileSync(path, 'utf8');
  const source = relative(ROOT, path).replaceAll('\\', '/');
  const found: DocExample[] = [];
  for (const comment of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = comment[1] ?? '';
    const at = /@example\b([\s\S]*?)(?=\n\s*\*\s*@\w|$)/.exec(body);
    if (at === null) continue;
    const startLine = text.slice(0, comment.index).split('\n').length;
    const symbol = declaredName(text.slice(comment.index + comment[0].length, comment.index + comment[0].length + 400));
    const lines = body.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
    let inBlock = false;
    let run = true;
    let block: string[] = [];
    let blockLine = 0;
    let n = 0;
    const exampleStart = body.slice(0, at.index).split('\n').length - 1;
    for (let i = exampleStart; i < lines.length; i++) {
      const l = lines[i] ?? '';
      if (i > exampleStart && /^@\w/.test(l) && !/^@example\b/.test(l) && !inBlock) break;
      const fence = /^```(?:ts|typescript)(\s+no-run)?\s*$/.exec(l);
      if (!inBlock && fence !== null) {
        inBlock = true;
        run = fence[1] === undefined;
        block = [];
        blockLine = startLine + i + 1;
      } else if (inBlock && /^```\s*$/.test(l)) {
        inBlock = false;
        n++;
        const name = `${source
          .replace(/^packages\//, '')
          .replace(/\.ts$/, '')
          .replaceAll('/', '_')}.${symbol}.${n}.ts`;
        found.push({ source, line: blockLine, symbol, code: block.join('\n'), run, output: join(outDir, name) });
      } else if (inBlock) {
        block.push(l);
      }
    }
  }
  return found;
}

/** Every example block of every package. */
export function findDocExamples(outDir = join(ROOT, '.doc-examples')): DocExample[] {
  const packages = join(ROOT, 'packages');
  return readdirSync(packages)
    .sort()
    .flatMap((p) => sourceFiles(join(packages, p, 'src')))
    .flatMap((f) => examplesOf(f, outDir));
}

/** Writes every example to `outDir` (emptied first); returns them. */
export function writeDocExamples(outDir = join(ROOT, '.doc-examples')): DocExample[] {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const examples = findDocExamples(outDir);
  for (const e of examples) {
    const header = `// The @example of ${e.symbol} at ${e.source}:${e.line}, written by scripts/doc-examples.ts: edit it there.\n`;
    writeFileSync(e.output, `${header}${e.code}\n`);
  }
  return examples;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const examples = writeDocExamples();
  console.log(`doc-examples: ${examples.length} examples written to .doc-examples/`);
}
