/**
 * `ncomp decompress --beta` and `ncomp eval --beta ... --lpips`: a tiny untrained MRIC model
 * decodes one bitstream at several realism weights.
 */
import { setBackend } from '@ncomp/core';
import { MRIC_SMALL_CONFIG, createModel, saveModelFile } from '@ncomp/models';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../image/index.js';
import { ncomp, writeTestImage } from './test-helpers.js';

/** `<repo>/../shared/data/lpips`, as in the LPIPS tests of @ncomp/losses. */
const LPIPS_FILE = fileURLToPath(new URL('../../../../../shared/data/lpips/lpips_squeeze_v0.1.safetensors', import.meta.url));
const B = ['--backend', 'wasm'];

let dir: string;
let mricPath: string;
let image: string;

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-cli-control-'));
  mricPath = join(dir, 'mric.safetensors');
  const model = createModel('mric', MRIC_SMALL_CONFIG);
  model.update();
  await saveModelFile(mricPath, model, 'mric', MRIC_SMALL_CONFIG);
  model.dispose();
  image = join(dir, 'x.png');
  await writeTestImage(image, 70, 66, 4);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('decode-time controls on the command line', () => {
  it('decompress --beta: one file decodes to different images at beta 0 and 2.56; default is beta 0', async () => {
    const coded = join(dir, 'x.ncomp');
    expect((await ncomp('compress', image, '-o', coded, '--model', mricPath, ...B)).code).toBe(0);
    const out = (b: string): string => join(dir, `x-${b}.png`);
    const r0 = await ncomp('decompress', coded, '-o', out('0'), '--model', mricPath, '--beta', '0', ...B);
    expect(r0.stderr).not.toContain('unexpected');
    expect(r0.code).toBe(0);
    expect(r0.stdout).toContain('beta 0');
    expect((await ncomp('decompress', coded, '-o', out('hi'), '--model', mricPath, '--beta', '2.56', ...B)).code).toBe(0);
    expect((await ncomp('decompress', coded, '-o', out('default'), '--model', mricPath, ...B)).code).toBe(0);
    const [a, b, d] = await Promise.all([readImage(out('0')), readImage(out('hi')), readImage(out('default'))]);
    expect(a.width).toBe(70);
    expect(Array.from(d.rgb)).toEqual(Array.from(a.rgb));
    expect(Array.from(b.rgb)).not.toEqual(Array.from(a.rgb));

    const tooBig = await ncomp('decompress', coded, '-o', out('bad'), '--model', mricPath, '--beta', '9', ...B);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toContain('--beta must be in [0, 5.12]');
    const notNumber = await ncomp('decompress', coded, '-o', out('bad'), '--model', mricPath, '--beta', 'high', ...B);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain('--beta must be a number');
    const alpha = await ncomp('decompress', coded, '-o', out('bad'), '--model', mricPath, '--alpha', '0.5', ...B);
    expect(alpha.code).toBe(2);
    expect(alpha.stderr).toContain('--alpha is for EGIC-ORP models; mric has no alpha; it has --beta');
    expect(existsSync(out('bad'))).toBe(false);
  });

  it('the default model has no beta: refused with a message', async () => {
    const coded = join(dir, 'default.ncomp');
    expect((await ncomp('compress', image, '-o', coded, ...B)).code).toBe(0);
    const r = await ncomp('decompress', coded, '-o', join(dir, 'default.png'), '--beta', '1', ...B);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('block-hyperprior has no beta; it decodes one reconstruction per file');
  });

  it.skipIf(!existsSync(LPIPS_FILE))('eval --beta sweeps one bitstream: a row per beta with equal bpp, LPIPS column', async () => {
    const out = join(dir, 'eval');
    const r = await ncomp('eval', image, '--model', mricPath, '--beta', '0,2.56', '--lpips', LPIPS_FILE, '--codecs', 'jpeg', '--out', out, '--quiet', ...B);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/quality\s+beta\s+bpp\s+PSNR\s+MS-SSIM\s+LPIPS/);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
      control: string;
      controlValues: number[];
      tradeoffs: unknown[];
      rows: { codec: string; control?: number; bpp: number; psnr: number; lpips: number }[];
    };
    expect(results.control).toBe('beta');
    expect(results.controlValues).toEqual([0, 2.56]);
    const mine = results.rows.filter((row) => row.codec === 'ncomp');
    expect(mine.map((row) => row.control)).toEqual([0, 2.56]);
    expect(mine[1]!.bpp).toBe(mine[0]!.bpp);
    expect(mine[1]!.psnr).not.toBe(mine[0]!.psnr);
    for (const row of results.rows) expect(row.lpips).toBeGreaterThan(0);
    // One matched JPEG row per quality, not per beta.
    expect(results.rows.filter((row) => row.codec === 'jpeg')).toHaveLength(1);
    // The trade-off line of the one bitstream, from the rows' numbers.
    const fmt = (v: number, d: number): string => v.toFixed(d);
    expect(r.stdout).toContain(
      `quality 0, beta 0 -> 2.56 (one bitstream, ${fmt(mine[0]!.bpp, 3)} bpp): PSNR ${fmt(mine[0]!.psnr, 2)} -> ${fmt(mine[1]!.psnr, 2)} dB`,
    );
    expect(results.tradeoffs).toHaveLength(1);

    const bad = await ncomp('eval', image, '--model', mricPath, '--beta', '0,0', '--codecs', 'none', '--quiet', ...B);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('distinct values');
    const net = await ncomp('eval', image, '--model', mricPath, '--lpips', join(dir, 'mric.safetensors'), '--codecs', 'none', '--quiet', ...B);
    expect(net.code).toBe(2);
    expect(net.stderr).toContain('--lpips-net');
  });
});
