/**
 * Escape codes and redrawn lines only where they belong: a progress bar redraws itself with
 * `\r` on a terminal only, and writes `ESC[K` only when `NO_COLOR` is not set; a log (a
 * pipe, a file) gets plain lines.
 */
import { setBackend } from '@ncomp/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ncompProcess, ncompWith, writeTestImage, writeTinyModel } from './test-helpers.js';

let dir: string;
let model: string;
let image: string;

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-terminal-'));
  model = join(dir, 'model.safetensors');
  image = join(dir, 'img.png');
  await writeTinyModel(model);
  await writeTestImage(image, 24, 20, 1);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const evalArgs = (): string[] => ['eval', image, '--model', model, '--codecs', 'none', '--backend', 'wasm'];

describe('progress of ncomp eval', () => {
  it('on a terminal: redrawn with \\r, cleared with ESC[K', async () => {
    const r = await ncompWith({ stderrIsTTY: true, env: {} }, ...evalArgs());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('\reval [');
    expect(r.stderr).toContain('\u001b[K');
  });

  it('on a terminal with NO_COLOR: redrawn with \\r, no escape code', async () => {
    const r = await ncompWith({ stderrIsTTY: true, env: { NO_COLOR: '1' } }, ...evalArgs());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('\reval [');
    expect(r.stderr).not.toContain('\u001b');
  });

  it('in a pipe (the built CLI): plain lines, no \\r, no escape code, stdout untouched', async () => {
    const r = await ncompProcess(evalArgs(), { env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^eval: 2\/2 100% .*$/m);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stdout.toString()).not.toContain('\u001b');
  });
});
