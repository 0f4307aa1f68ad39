/**
 * `ncomp train`, `export` and `eval --backend webgpu` end to end, in-process, on tiny
 * generated images and a tiny model: every tensor read on the way is asynchronous (GPU
 * tensors cannot be read synchronously in Node.js). Runs where Dawn finds an adapter (a GPU,
 * or Mesa 25's lavapipe: `scripts/setup-webgpu.sh`); skipped with the reason elsewhere, unless
 * NCOMP_REQUIRE_WEBGPU=1 (CI), where a missing adapter fails the run instead.
 */
import { setBackend } from '@ncomp/core';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ncomp, writeTestImage } from './test-helpers.js';

const unavailable = await setBackend('webgpu').then(
  () => undefined,
  (error: unknown) => (error instanceof Error ? error.message : String(error)),
);
const required = process.env['NCOMP_REQUIRE_WEBGPU'] === '1';
if (unavailable !== undefined && !required) console.warn(`webgpu CLI tests skipped: ${unavailable.split('. ')[0]}`);

let dir: string;
let data: string;
const GPU = ['--backend', 'webgpu'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncomp-cli-webgpu-'));
  data = join(dir, 'data');
  await mkdir(data);
  await writeTestImage(join(data, 'a.png'), 176, 168, 1); // MS-SSIM needs 161 pixels a side
  await writeTestImage(join(data, 'b.png'), 64, 80, 2);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('WebGPU adapter', () => {
  it.runIf(required)('is present where NCOMP_REQUIRE_WEBGPU=1 (CI, after scripts/setup-webgpu.sh)', () => {
    expect(unavailable).toBeUndefined();
  });
});

describe.skipIf(unavailable !== undefined)('ncomp on webgpu', () => {
  const exported = (): string => join(dir, 'trained.safetensors');

  it('train (rate-distortion) runs its steps, checkpoints and exports with rebuilt tables', async () => {
    const run = join(dir, 'run');
    const r = await ncomp(
      'train',
      ...['--data', data, '--out', run, '--model', 'bmshj2018', '--config', '{"N":8,"M":8}', '--crop', '64', '--batch', '2'],
      ...['--lambda', '0.01', '--steps', '3', '--checkpoint-every', '3', '--log-every', '1', '--export', exported()],
      ...GPU,
    );
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.stderr).not.toContain('synchronously');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('step 3/3');
    const log = (await readFile(join(run, 'train-log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; loss: number; psnr: number; gradNorm?: number });
    expect(log.map((l) => l.step)).toEqual([1, 2, 3]);
    for (const l of log) {
      expect(Number.isFinite(l.loss)).toBe(true);
      // A PSNR of a tiny untrained model, not garbage from an invalid GPU pipeline.
      expect(l.psnr).toBeGreaterThan(3);
      expect(l.psnr).toBeLessThan(40);
    }
    expect((await stat(exported())).size).toBeGreaterThan(0);
  });

  it('eval codes, decodes and measures PSNR and MS-SSIM', async () => {
    const out = join(dir, 'eval');
    const r = await ncomp('eval', data, '--model', exported(), '--codecs', 'none', '--out', out, '--quiet', ...GPU);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
      rows: { image: string; codec: string; bpp: number; psnr: number; msssim: number }[];
    };
    const rows = results.rows.filter((row) => row.codec === 'ncomp');
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.bpp).toBeGreaterThan(0);
      expect(row.psnr).toBeGreaterThan(5);
    }
    const big = rows.find((row) => row.image.includes('a.png'))!;
    expect(big.msssim).toBeGreaterThan(0);
    expect(big.msssim).toBeLessThanOrEqual(1);
  });
});
