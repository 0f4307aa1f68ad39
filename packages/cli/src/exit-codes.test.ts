/** The exit codes are listed in `ncomp --help` and in every command's `--help`. */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands/registry.js';
import { ncomp } from './commands/test-helpers.js';
import { EXIT, exitCodesHelp } from './exit-codes.js';

/** The code listed on each line of the "Exit codes:" section of `text`. */
function listedCodes(text: string): number[] {
  const section = text.slice(text.indexOf('Exit codes:'));
  return [...section.matchAll(/^ {2} *(\d+) {2}\S/gm)].map((m) => Number(m[1]));
}

describe('exit codes in --help', () => {
  const all = Object.values(EXIT).sort((a, b) => a - b);

  it('exitCodesHelp lists every code of EXIT once, in increasing order', () => {
    expect(listedCodes(exitCodesHelp())).toEqual(all);
  });

  it('ncomp --help lists them', async () => {
    const r = await ncomp('--help');
    expect(r.code).toBe(EXIT.ok);
    expect(listedCodes(r.stdout)).toEqual(all);
  });

  it.each([...COMMANDS.keys()])('ncomp %s --help lists them after its options', async (name) => {
    const r = await ncomp(name, '--help');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout.indexOf('Exit codes:')).toBeGreaterThan(r.stdout.indexOf('Usage:'));
    expect(listedCodes(r.stdout)).toEqual(all);
  });
});
