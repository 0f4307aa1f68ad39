/**
 * `--json` for compress, decompress, info and eval: exactly one JSON document on stdout
 * (nothing else there), with the documented field names, also when a command fails.
 */
import { setBackend } from '@ncomp/core';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../exit-codes.js';
import { BUILT_CLI, ncomp, ncompProcess, writeTestImage, writeTinyModel } from './test-helpers.js';

let dir: string;
let model: string;
let photos: string;
let M: string[];

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-json-'));
  model = join(dir, 'model.safetensors');
  await writeTinyModel(model);
  M = ['--model', model, '--backend', 'wasm'];
  photos = join(dir, 'photos');
  await mkdir(photos);
  await writeTestImage(join(photos, 'a.png'), 20, 16, 1);
  await writeTestImage(join(photos, 'b.png'), 24, 12, 2);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The one JSON document of stdout (JSON.parse refuses anything before or after it). */
function documentOf(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('--json', () => {
  it('compress: one document with model, files and counts; the failed input is in it; messages on stderr', async () => {
    const out = join(dir, 'c');
    await mkdir(out);
    const r = await ncomp('compress', join(photos, '*.png'), join(dir, 'missing.png'), '-o', out, '--json', ...M);
    expect(r.code).toBe(EXIT.failure);
    const doc = documentOf(r.stdout);
    expect(doc).toMatchObject({ command: 'compress', ok: false, model: { name: 'bmshj2018', file: model, quality: 1 } });
    expect(doc['counts']).toEqual({ inputs: 3, succeeded: 2, failed: 1 });
    const files = doc['files'] as Record<string, unknown>[];
    expect(files[0]).toEqual({
      input: join(photos, 'a.png'),
      output: join(out, 'a.ncomp'),
      ok: true,
      width: 20,
      height: 16,
      bytes: (await readFile(join(out, 'a.ncomp'))).length,
      bpp: expect.any(Number),
      ms: expect.any(Number),
    });
    expect(files[2]).toEqual({
      input: join(dir, 'missing.png'),
      output: join(out, 'missing.ncomp'),
      ok: false,
      error: `no such file: ${join(dir, 'missing.png')}`,
      exitCode: EXIT.usage,
    });
    expect(r.stderr).toContain('ncomp compress: no such file');
    expect(r.stderr).toContain('3 inputs: 2 compressed, 1 failed');
  });

  it('decompress and info: one document each, all ok', async () => {
    const coded = join(dir, 'one.ncomp');
    expect((await ncomp('compress', join(photos, 'b.png'), '-o', coded, ...M, '--quiet')).code).toBe(0);
    const d = await ncomp('decompress', coded, '-o', join(dir, 'one.png'), '--json', ...M, '--quiet');
    expect(d.code).toBe(0);
    expect(documentOf(d.stdout)).toMatchObject({
      command: 'decompress',
      ok: true,
      model: { name: 'bmshj2018', file: model },
      files: [{ input: coded, output: join(dir, 'one.png'), ok: true, width: 24, height: 12 }],
      counts: { inputs: 1, succeeded: 1, failed: 0 },
    });
    const i = await ncomp('info', coded, '--json');
    expect(i.code).toBe(0);
    expect(i.stderr).toBe('');
    const info = documentOf(i.stdout);
    const size = (await readFile(coded)).length;
    expect(info).toMatchObject({ command: 'info', ok: true, counts: { inputs: 1, succeeded: 1, failed: 0 } });
    expect((info['files'] as unknown[])[0]).toMatchObject({
      input: coded,
      ok: true,
      model: 'bmshj2018',
      weightsDigest: expect.stringMatching(/^[0-9a-f]{32}$/),
      width: 24,
      height: 12,
      channels: 'rgb',
      bitDepth: 8,
      quality: 1,
      extras: {},
      bytes: size,
      bpp: (size * 8) / (24 * 12),
    });
  });

  it('info: a damaged file among good ones is reported in the document and on stderr; the others are described', async () => {
    const good = join(dir, 'good.ncomp');
    expect((await ncomp('compress', join(photos, 'a.png'), '-o', good, ...M, '--quiet')).code).toBe(0);
    const bad = join(dir, 'bad.ncomp');
    await writeFile(bad, (await readFile(good)).subarray(0, 20));
    const r = await ncomp('info', bad, good, '--json');
    expect(r.code).toBe(EXIT.failure);
    const doc = documentOf(r.stdout);
    expect(doc['files']).toMatchObject([
      { input: bad, ok: false, exitCode: 1 },
      { input: good, ok: true, width: 20 },
    ]);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    const human = await ncomp('info', bad, good);
    expect(human.code).toBe(EXIT.failure);
    expect(human.stdout).toContain(`${good}:`);
  });

  it('info without files: the backend', async () => {
    const r = await ncomp('info', '--json', '--backend', 'wasm');
    expect(r.code).toBe(0);
    expect(documentOf(r.stdout)).toMatchObject({ command: 'info', ok: true, backend: { chosen: 'wasm', package: '@tensorflow/tfjs-backend-wasm' } });
  });

  it('eval: the results and the table rows instead of the printed table', async () => {
    const out = join(dir, 'eval-out');
    const r = await ncomp('eval', photos, '--codecs', 'none', '--out', out, '--json', ...M, '--quiet');
    expect(r.code).toBe(0);
    const doc = documentOf(r.stdout);
    expect(doc).toMatchObject({ command: 'eval', ok: true, model: 'bmshj2018', modelFile: model, qualities: [0, 1], bdRate: {} });
    expect(doc['images']).toEqual([join(photos, 'a.png'), join(photos, 'b.png')]);
    expect(doc['rows']).toHaveLength(4);
    const table = doc['table'] as Record<string, unknown>[];
    expect(table.map((t) => t['quality'])).toEqual([0, 1]);
    expect(table[0]).toMatchObject({ bpp: expect.any(Number), psnr: expect.any(Number), msssim: null, classical: {} });
    expect(doc['out']).toEqual({ folder: out, files: ['results.json', 'results.csv', 'rd-psnr.svg'] });
    // results.json holds the same results.
    const file = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Record<string, unknown>;
    expect(file['rows']).toEqual(doc['rows']);
  });

  it('a usage error or a failed command: a failure document, the message on stderr too', async () => {
    const option = await ncomp('compress', 'x.png', '--qualty', '1', '--json');
    expect(option.code).toBe(EXIT.usage);
    expect(documentOf(option.stdout)).toMatchObject({ command: 'compress', ok: false, exitCode: EXIT.usage, error: expect.stringContaining('--qualty') });
    expect(option.stderr).toContain('--qualty');
    const model404 = await ncomp('decompress', 'x.ncomp', '--model', join(dir, 'nope.safetensors'), '--json', '--backend', 'wasm');
    expect(model404.code).toBe(EXIT.usage);
    expect(documentOf(model404.stdout)).toMatchObject({ command: 'decompress', ok: false, error: expect.stringContaining('no such model file') });
    const data = await ncomp('compress', join(photos, 'a.png'), '-o', '-', '--json', ...M);
    expect(data.code).toBe(EXIT.usage);
    expect(documentOf(data.stdout)).toMatchObject({ ok: false, error: expect.stringContaining('--json prints its document on stdout') });
  });

  it('is refused by commands without it', async () => {
    const r = await ncomp('models', '--json');
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout).toBe('');
  });
});

describe('--json into a pipe closed early (the built CLI)', () => {
  it('info --json with stdout closed exits 141, no stack trace', async () => {
    const r = await ncompProcess(['info', '--json', '--backend', 'wasm'], { closeStdout: true });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.code).toBe(EXIT.brokenPipe);
  });

  it('ncomp info --json | head -c 10', async () => {
    const sh = `"${process.execPath}" "${BUILT_CLI}" info --json --backend wasm | head -c 10`;
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', sh]);
    expect(stdout).toBe('{\n  "comma');
    expect(stderr).toBe('backend: wasm\n'); // the usual message, and nothing about the closed pipe
  });
});
