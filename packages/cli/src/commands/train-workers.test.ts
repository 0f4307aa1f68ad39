/**
 * `ncomp train --workers`: data-parallel rate-distortion training. The worker threads run
 * the built @ncomp/models (`dist/`): `npm test` builds first; run `npm run build` before
 * running this file alone.
 */
import { setBackend } from '@ncomp/core';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ncomp, writeTestImage } from './test-helpers.js';

let dir: string;
let data: string;

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-cli-workers-'));
  data = join(dir, 'data');
  await mkdir(data);
  await writeTestImage(join(data, 'a.png'), 72, 66, 1);
  await writeTestImage(join(data, 'b.png'), 64, 80, 2);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ncomp train --workers', () => {
  it('trains on 2 threads, resumes on 1, and refuses bad counts', async () => {
    const run = join(dir, 'run');
    const common = [
      '--data',
      data,
      '--out',
      run,
      '--model',
      'bmshj2018',
      '--config',
      '{"N":4,"M":4}',
      '--crop',
      '64',
      '--batch',
      '2',
      '--lambda',
      '0.01',
      '--log-every',
      '1',
      '--backend',
      'wasm',
    ];
    const parallel = await ncomp('train', ...common, '--steps', '2', '--workers', '2');
    expect(parallel.stderr).not.toContain('unexpected error');
    expect(parallel.code).toBe(0);
    expect(parallel.stderr).toContain('batch 2 on 2 threads');
    expect(parallel.stderr).toContain('step 2/2');
    const resumed = await ncomp('train', ...common, '--resume', '--steps', '3');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(await readFile(join(run, 'checkpoint.json'), 'utf8'))).toMatchObject({ state: { step: 3 } });

    const tooMany = await ncomp('train', ...common, '--out', join(dir, 'other'), '--steps', '1', '--workers', '3');
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('--workers 3 exceeds the batch size 2');
    const bad = await ncomp('train', ...common, '--out', join(dir, 'other'), '--steps', '1', '--workers', 'two');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--workers must be a positive integer or "auto"');
  });
});
