import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const coreErrors = resolve(here, '../../../core/src/errors/index.ts');

/** Follows every import of a source file, through relative paths and @ncomp/core/errors. */
function importGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    // Comments aside: TSDoc examples show imports that the module itself does not make.
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2])!);
    seen.set(file, specifiers);
    for (const s of specifiers) {
      if (s.startsWith('.')) visit(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
      else if (s === '@ncomp/core/errors') visit(coreErrors);
    }
  };
  visit(entry);
  return seen;
}

describe('@ncomp/entropy/coding', () => {
  it('imports no TensorFlow.js and no other package than @ncomp/core/errors', () => {
    const graph = importGraph(join(here, 'index.ts'));
    expect(graph.size).toBeGreaterThan(10);
    const external = [...graph.values()].flat().filter((s) => !s.startsWith('.'));
    expect(new Set(external)).toEqual(new Set(['@ncomp/core/errors']));
    // Every non-test source file of the folder is reachable, so none escapes the check.
    const sources = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'test-helpers.ts');
    for (const f of sources) expect(graph.has(join(here, f)), f).toBe(true);
  });
});
