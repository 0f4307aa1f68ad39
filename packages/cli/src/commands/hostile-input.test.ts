/**
 * The CLI under hostile or mistaken input (issue 17): every refusal is one line that names
 * the file and the fix, with the right exit code and no stack trace.
 */
import { setBackend } from '@ncomp/core';
import { DEFAULT_MODEL_FILE, createModel, loadModelFile, saveModelFile } from '@ncomp/models';
import { decodeContainer, encodeContainer } from '@ncomp/models/container';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from './registry.js';
import { describeFailure } from '../describe-failure.js';
import { ncomp, writeTestImage } from './test-helpers.js';

const B = ['--backend', 'wasm', '--quiet'];
const CONFIG = { N: 8, M: 8, lambdas: [0.01, 0.05] };
const STACK = /\n\s+at /;
let dir: string;
let model: string;
let image: string;
let coded: Uint8Array;

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-hostile-'));
  model = join(dir, 'model.safetensors');
  const codec = createModel('bmshj2018', CONFIG);
  codec.update();
  await saveModelFile(model, codec, 'bmshj2018', CONFIG);
  codec.dispose();
  image = join(dir, 'img.png');
  await writeTestImage(image, 40, 30, 3);
  const r = await ncomp('compress', image, '--model', model, '-o', join(dir, 'img.ncomp'), ...B);
  expect(r.code).toBe(0);
  coded = new Uint8Array(await readFile(join(dir, 'img.ncomp')));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Writes a copy of the coded image with header fields replaced (CRC recomputed). */
async function forge(name: string, header: Record<string, unknown>): Promise<string> {
  const c = decodeContainer(coded);
  const path = join(dir, name);
  await writeFile(path, encodeContainer({ header: { ...c.header, ...header }, streams: c.streams }));
  return path;
}

describe('output paths', () => {
  it('-o missing/dir/out.ncomp: a usage error naming the folder, before any work', async () => {
    const out = join(dir, 'missing', 'dir', 'out.ncomp');
    const r = await ncomp('compress', image, '--model', model, '-o', out, ...B);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot write ${out}: the folder ${join(dir, 'missing', 'dir')} does not exist; create it first`);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('an output path that is a directory, with and without --force', async () => {
    // -o <existing folder> writes into it (as cp does): the output there is a folder itself.
    const folder = join(dir, 'a-folder');
    await mkdir(join(folder, 'img.ncomp'), { recursive: true });
    await mkdir(join(folder, 'img.png'), { recursive: true });
    for (const force of [[], ['--force']]) {
      for (const [argv, out] of [
        [['compress', image, '--model', model, '-o', folder], join(folder, 'img.ncomp')],
        [['decompress', join(dir, 'img.ncomp'), '--model', model, '-o', folder], join(folder, 'img.png')],
      ] as const) {
        const r = await ncomp(...argv, ...force, ...B);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`cannot write ${out}: it is a directory; give a file name`);
        expect(r.stderr).not.toMatch(STACK);
      }
    }
    expect((await readdir(folder)).sort()).toEqual(['img.ncomp', 'img.png']);
    expect(await readdir(join(folder, 'img.ncomp'))).toEqual([]);
  });
});

describe('numbers and files given as options', () => {
  it.each(['', '0x2', '0b1', 'Infinity', ' 1', '1e999'])('--quality %j is refused', async (q) => {
    const r = await ncomp('compress', image, '--model', model, '--quality', q, '-o', join(dir, 'never.ncomp'), ...B);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--quality must be a number in [0, 1], found "${q}"`);
  });

  it('--max-pixels must be a positive integer', async () => {
    for (const v of ['', '0', '1.5', '0x10', 'many']) {
      const r = await ncomp('compress', image, '--model', model, '--max-pixels', v, ...B);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--max-pixels must be a positive integer');
    }
  });

  it('--model pointing at a PNG names the file and the fix', async () => {
    const r = await ncomp('compress', image, '--model', image, '-o', join(dir, 'never.ncomp'), ...B);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${image}: not a usable ncomp model file`);
    expect(r.stderr).toContain('pass --model <file.safetensors>');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('--model pointing at a directory', async () => {
    const r = await ncomp('compress', image, '--model', dir, '-o', join(dir, 'never.ncomp'), ...B);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--model ${dir} is a directory`);
  });
});

describe('forged headers (CRC recomputed)', () => {
  it('a valid file whose quality is 5 is a failure about the file (exit 1), not a usage error', async () => {
    const path = await forge('q5.ncomp', { quality: 5 });
    const r = await ncomp('decompress', path, '--model', model, '-o', join(dir, 'q5.png'), ...B);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path}: quality 5 is outside this model's range 0..1`);
    expect(r.stderr).toContain('pass --model <file>');
  });

  it.each([
    ['65536 x 65536 on a small file', 65536, 65536, 'LimitExceeded'],
    ['2^31 - 64 pixels', 2 ** 31 - 64, 1, 'LimitExceeded'],
    ['2^31 pixels as 2^26 x 32', 2 ** 26, 32, 'LimitExceeded'],
  ])('%s: refused by the pixel limit, naming the file and --max-pixels', async (_name, width, height) => {
    const pad = (v: number): number => Math.ceil(v / 64) * 64;
    const path = await forge(`big-${width}.ncomp`, { width, height, paddedWidth: pad(width), paddedHeight: pad(height) });
    const r = await ncomp('decompress', path, '--model', model, '-o', join(dir, 'big.png'), ...B);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: image of \\d+x\\d+ = \\d+ pixels exceeds the limit of 268435456 pixels`),
    );
    expect(r.stderr).toContain('--max-pixels');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('with the limit raised, the streams still refuse a 65536 x 65536 header', async () => {
    const path = await forge('big-raised.ncomp', { width: 65536, height: 65536, paddedWidth: 65536, paddedHeight: 65536 });
    const r = await ncomp('decompress', path, '--model', model, '--max-pixels', String(2 ** 32), '-o', join(dir, 'big2.png'), ...B);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stream "[yz]" has \d+ bytes, but a 65536x65536 image needs at least \d+ with this model/);
    expect(await readdir(dir)).not.toContain('big2.png');
  });

  it('compress refuses an image above --max-pixels, naming it', async () => {
    const r = await ncomp('compress', image, '--model', model, '--max-pixels', '1000', '-o', join(dir, 'small.ncomp'), ...B);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${image}: image of 40x30 = 1200 pixels exceeds the limit of 1000 pixels`);
  });
});

describe('help and advice', () => {
  it("compress --help gives the default model's quality range, read from the model", async () => {
    const r = await ncomp('compress', '--help');
    const { model: codec } = await loadModelFile(DEFAULT_MODEL_FILE);
    const [lo, hi] = codec.qualityRange;
    codec.dispose();
    expect(r.stdout).toContain(`${lo} (smallest) .. ${hi} (best) for the default model`);
    expect(r.stdout).toContain('--max-pixels');
  });

  it('out-of-memory advice fits the command: no training options for compress', () => {
    const oom = new Error('Aborted(). Build with -sASSERTIONS for more info. Out of memory');
    const compress = describeFailure(oom, COMMANDS.get('compress')!);
    expect(compress).toContain('ran out of memory');
    expect(compress).not.toMatch(/--batch|--crop/);
    expect(describeFailure(oom, COMMANDS.get('train')!)).toMatch(/--batch/);
  });

  it('system errors are one line with the path; unexpected errors have no stack without --debug', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/x/out.ncomp' });
    expect(describeFailure(enospc, {})).toBe('/x/out.ncomp: no space left on the device (ENOSPC); check the path and its permissions, or choose another one');
    const bug = new TypeError('x is undefined');
    expect(describeFailure(bug, {})).toBe('unexpected error: x is undefined (run again with --debug for the stack trace, and please report it)');
  });
});
