import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, ncomp, writeTestImage, writeTinyModel } from './commands/test-helpers.js';

// A SIGINT / SIGTERM that arrives while ncomp compresses or decompresses a large image
// ends the process with the documented code (130 / 143) and leaves no output and no
// temporary file: the tiled transforms and the banded coding give the event loop a turn
// a few times a second, so the signal listener runs instead of waiting for the end.

let dir: string;
const SIZE = 3072;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncomp-interrupt-'));
  await writeTinyModel(join(dir, 'tiny.safetensors'));
  await writeTestImage(join(dir, 'big.png'), SIZE, SIZE, 5);
  const made = await ncomp('compress', join(dir, 'big.png'), '--model', join(dir, 'tiny.safetensors'), '-o', join(dir, 'coded.ncomp'), '--backend', 'wasm');
  expect(made.code).toBe(0);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the built CLI with `argv`, sends `signal` `delayMs` after it reports its backend (the
 * tiny model loads in milliseconds; the image is being coded then), and returns its exit
 * code, what it printed and the seconds from the signal to its exit.
 */
async function interrupted(argv: readonly string[], signal: 'SIGINT' | 'SIGTERM', delayMs: number) {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` before these tests`);
  const child = spawn(process.execPath, [BUILT_CLI, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let sentAt = 0;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (sentAt === 0 && stderr.includes('backend: ')) {
      sentAt = -1;
      setTimeout(() => {
        sentAt = performance.now();
        child.kill(signal);
      }, delayMs);
    }
  });
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, output: stdout + stderr, seconds: sentAt > 0 ? (performance.now() - sentAt) / 1000 : NaN };
}

describe('a signal during a long compress or decompress', () => {
  it('SIGTERM during compress exits 143 at once, writing nothing', async () => {
    const out = join(dir, 'out.ncomp');
    const run = await interrupted(
      ['compress', join(dir, 'big.png'), '--model', join(dir, 'tiny.safetensors'), '-o', out, '--backend', 'wasm'],
      'SIGTERM',
      1000,
    );
    expect(run.output).not.toContain('->'); // it had not finished
    expect(run.code).toBe(143);
    // Generous against a loaded machine; an unyielding coder takes the whole run instead.
    expect(run.seconds).toBeLessThan(3);
    expect((await readdir(dir)).sort()).toEqual(['big.png', 'coded.ncomp', 'tiny.safetensors']);
  }, 60_000);

  it('SIGINT during decompress exits 130 at once, writing nothing', async () => {
    const out = join(dir, 'out.png');
    const run = await interrupted(
      ['decompress', join(dir, 'coded.ncomp'), '--model', join(dir, 'tiny.safetensors'), '-o', out, '--backend', 'wasm'],
      'SIGINT',
      1000,
    );
    expect(run.output).not.toContain('->');
    expect(run.code).toBe(130);
    expect(run.seconds).toBeLessThan(3);
    expect((await readdir(dir)).sort()).toEqual(['big.png', 'coded.ncomp', 'tiny.safetensors']);
  }, 60_000);
});
