/**
 * Folders and quoted glob patterns as inputs of compress and decompress: outputs named after
 * the inputs in the -o folder, nothing skipped silently, a failed input reported while the
 * others go on (exit 1), a summary line; refusals before any work.
 */
import { setBackend } from '@ncomp/core';
import { decodeContainer } from '@ncomp/models/container';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandInputs, imageKind, NCOMP_KIND } from './inputs.js';
import { ncomp, writeTestImage, writeTinyModel } from './test-helpers.js';
import { IMAGE_EXTENSIONS } from './training-images.js';

let dir: string;
let photos: string;
let M: string[];

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-many-'));
  const model = join(dir, 'model.safetensors');
  await writeTinyModel(model);
  M = ['--model', model, '--backend', 'wasm', '--quiet'];
  photos = join(dir, 'photos');
  await mkdir(join(photos, 'sub'), { recursive: true });
  await writeTestImage(join(photos, 'a.png'), 20, 16, 1);
  await writeTestImage(join(photos, 'b.png'), 24, 12, 2);
  await writeTestImage(join(photos, 'c1.png'), 16, 16, 3);
  await writeTestImage(join(photos, 'sub', 'd.png'), 16, 20, 4);
  await writeFile(join(photos, 'notes.txt'), 'not an image');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  return path;
}

describe('expandInputs', () => {
  const images = imageKind(IMAGE_EXTENSIONS);

  it('a folder gives the images directly in it, sorted, and says what it left', async () => {
    const r = await expandInputs([photos], images);
    expect(r.sources).toEqual(['a.png', 'b.png', 'c1.png'].map((f) => ({ kind: 'file', path: join(photos, f) })));
    expect(r.expanded).toBe(true);
    expect(r.ignored).toHaveLength(1);
    expect(r.ignored[0]).toContain('notes.txt');
    expect(r.ignored[0]).toContain(`${join(photos, 'sub')}/ (a folder; not searched)`);
  });

  it.each([
    ['*.png', ['a.png', 'b.png', 'c1.png']],
    ['?.png', ['a.png', 'b.png']],
    ['[ac]*.png', ['a.png', 'c1.png']],
    ['{b,c1}.png', ['b.png', 'c1.png']],
    ['**/*.png', ['a.png', 'b.png', 'c1.png', 'sub/d.png']],
  ])('the pattern %s', async (pattern, want) => {
    const r = await expandInputs([join(photos, pattern)], images);
    expect(r.sources.map((s) => (s.kind === 'file' ? s.path : '-'))).toEqual(want.map((f) => join(photos, f)));
  });

  it('keeps plain paths (missing ones too: reading reports them), and refuses patterns and folders that give nothing', async () => {
    const r = await expandInputs([join(photos, 'a.png'), join(dir, 'missing.png')], images);
    expect(r.expanded).toBe(false);
    expect(r.sources).toHaveLength(2);
    await expect(expandInputs([join(photos, '*.jpg')], images)).rejects.toThrow(/no images match .*\*\.jpg/);
    await expect(expandInputs([photos], NCOMP_KIND)).rejects.toThrow(/no \.ncomp files in the folder/);
  });
});

describe('compress and decompress a folder or a pattern', () => {
  it('compress folder -o dir/ then decompress "dir/*.ncomp" -o dir2/: outputs named after inputs', async () => {
    const out = await freshDir('out1');
    const c = await ncomp('compress', photos, '-o', `${out}/`, ...M);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['a.ncomp', 'b.ncomp', 'c1.ncomp']);
    expect(decodeContainer(new Uint8Array(await readFile(join(out, 'b.ncomp')))).header).toMatchObject({ width: 24, height: 12 });
    expect(c.stdout.trimEnd().split('\n').at(-1)).toBe('3 inputs: 3 compressed, 0 failed');
    const back = await freshDir('back1');
    const d = await ncomp('decompress', join(out, '*.ncomp'), '-o', back, ...M);
    expect(d.code).toBe(0);
    expect((await readdir(back)).sort()).toEqual(['a.png', 'b.png', 'c1.png']);
    expect(d.stdout).toContain('3 inputs: 3 decompressed, 0 failed');
  });

  it('logs what a folder held that it did not take (without --quiet)', async () => {
    const out = await freshDir('out-log');
    const r = await ncomp('compress', photos, '-o', out, '--model', M[1]!, '--backend', 'wasm');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ignored: .*photos: 2 not taken \(not images\): .*notes\.txt/);
  });

  it('a failed input is reported, the others are written, exit 1 and the summary names it', async () => {
    const mixed = await freshDir('mixed');
    await writeTestImage(join(mixed, 'good1.png'), 16, 16, 7);
    await writeFile(join(mixed, 'broken.png'), 'not a png');
    await writeTestImage(join(mixed, 'good2.png'), 16, 16, 8);
    const out = await freshDir('out-mixed');
    const r = await ncomp('compress', join(mixed, '*.png'), '-o', out, ...M);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^ncomp compress: cannot decode .*broken\.png as an image/)]);
    expect((await readdir(out)).sort()).toEqual(['good1.ncomp', 'good2.ncomp']);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`3 inputs: 2 compressed, 1 failed (${join(mixed, 'broken.png')})`);
  });

  it('refuses before any work: -o <file> for a folder, colliding names, existing outputs', async () => {
    const file = await ncomp('compress', photos, '-o', join(dir, 'one.ncomp'), ...M);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('names one file, but a folder or pattern (3 inputs) were given; give a folder');

    const twins = await freshDir('twins');
    await writeTestImage(join(twins, 'a.jpg'), 16, 16, 9);
    const out = await freshDir('out-twins');
    const clash = await ncomp('compress', join(photos, 'a.png'), join(twins, 'a.jpg'), '-o', out, ...M);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('would both be written to');
    expect(await readdir(out)).toEqual([]);

    await writeFile(join(out, 'b.ncomp'), 'precious');
    await writeFile(join(out, 'c1.ncomp'), 'precious');
    const existing = await ncomp('compress', photos, '-o', out, ...M);
    expect(existing.code).toBe(2);
    expect(existing.stderr).toContain('refusing to overwrite existing file');
    expect(existing.stderr).toContain('(and 1 more outputs refused; nothing was written)');
    expect((await readdir(out)).sort()).toEqual(['b.ncomp', 'c1.ncomp']);
    expect(await readFile(join(out, 'b.ncomp'), 'utf8')).toBe('precious');
  });

  it('one missing input of several: exit 1; the only input missing: exit 2, as before', async () => {
    const out = await freshDir('out-missing');
    const several = await ncomp('compress', join(photos, 'a.png'), join(dir, 'missing.png'), '-o', out, ...M);
    expect(several.code).toBe(1);
    expect(several.stderr).toContain('no such file');
    expect(await readdir(out)).toEqual(['a.ncomp']);
    const one = await ncomp('compress', join(dir, 'missing.png'), '-o', join(out, 'x.ncomp'), ...M);
    expect(one.code).toBe(2);
  });
});
