/**
 * `-` for stdin and stdout: `ncomp compress - -o x.ncomp`, `ncomp compress x.png -o -`,
 * `ncomp decompress - -o -`; data on stdout and every message on stderr; binary data refused
 * on a terminal without --force. In-process with fake streams, and as processes in a pipe.
 */
import { setBackend } from '@ncomp/core';
import { decodeContainer } from '@ncomp/models/container';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ncomp, ncompProcess, ncompWith, writeTestImage, writeTinyModel } from './test-helpers.js';

let dir: string;
let model: string;
let image: string;
let png: Buffer;
/** `ncomp compress image -o file`: the reference bytes. */
let coded: Buffer;
/** `ncomp decompress coded -o file`: the reference PNG. */
let decoded: Buffer;
let M: string[];

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-stdio-'));
  model = join(dir, 'model.safetensors');
  image = join(dir, 'img.png');
  await writeTinyModel(model);
  await writeTestImage(image, 40, 28, 5);
  png = await readFile(image);
  M = ['--model', model, '--backend', 'wasm'];
  expect((await ncomp('compress', image, '-o', join(dir, 'ref.ncomp'), ...M, '--quiet')).code).toBe(0);
  coded = await readFile(join(dir, 'ref.ncomp'));
  expect((await ncomp('decompress', join(dir, 'ref.ncomp'), '-o', join(dir, 'ref.png'), ...M, '--quiet')).code).toBe(0);
  decoded = await readFile(join(dir, 'ref.png'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('compress with -', () => {
  it('reads the image from stdin (- -o file): the same bytes as from the file', async () => {
    const out = join(dir, 'from-stdin.ncomp');
    const r = await ncompWith({ stdin: png }, 'compress', '-', '-o', out, ...M, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<stdin> -> .*from-stdin\.ncomp: 40x28, \d+ bytes/);
    expect(Buffer.compare(await readFile(out), coded)).toBe(0);
  });

  it('writes the .ncomp to stdout (-o -): only data on stdout, the result line on stderr', async () => {
    const r = await ncompWith({}, 'compress', image, '-o', '-', ...M);
    expect(r.code).toBe(0);
    expect(Buffer.compare(r.stdoutBytes, coded)).toBe(0);
    expect(r.stderr).toContain(`${image} -> <stdout>: 40x28, ${coded.length} bytes`);
  });

  it('stdin input goes to stdout by default, as gzip does', async () => {
    const r = await ncompWith({ stdin: png }, 'compress', '-', ...M, '--quiet');
    expect(r.code).toBe(0);
    expect(Buffer.compare(r.stdoutBytes, coded)).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('refuses to write .ncomp data to a terminal unless --force', async () => {
    const r = await ncompWith({ stdoutIsTTY: true }, 'compress', image, '-o', '-', ...M);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('refusing to write .ncomp data to a terminal');
    expect(r.stderr).toContain('--force');
    const forced = await ncompWith({ stdoutIsTTY: true }, 'compress', image, '-o', '-', '--force', ...M, '--quiet');
    expect(forced.code).toBe(0);
    expect(Buffer.compare(forced.stdoutBytes, coded)).toBe(0);
  });

  it('refuses a terminal stdin, - beside other inputs, and -o - for several inputs', async () => {
    const tty = await ncompWith({ stdin: 'tty' }, 'compress', '-', '-o', join(dir, 'tty.ncomp'), ...M);
    expect(tty.code).toBe(2);
    expect(tty.stderr).toContain('stdin is a terminal');
    await expect(stat(join(dir, 'tty.ncomp'))).rejects.toThrow(/ENOENT/);
    const both = await ncompWith({ stdin: png }, 'compress', '-', image, '-o', dir, ...M);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('- (stdin) must be the only input');
    const two = await ncompWith({}, 'compress', image, image, '-o', '-', ...M);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('-o - writes one output to stdout');
    const named = await ncompWith({ stdin: png }, 'compress', '-', '--out-dir', dir, ...M);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('stdin (-) has no file name');
  });

  it('names stdin in a refusal of a non-image', async () => {
    const r = await ncompWith({ stdin: new TextEncoder().encode('not an image') }, 'compress', '-', '-o', join(dir, 'text.ncomp'), ...M, '--quiet');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ncomp compress: cannot decode <stdin> as an image/);
    await expect(stat(join(dir, 'text.ncomp'))).rejects.toThrow(/ENOENT/);
  });
});

describe('decompress with -', () => {
  it('decodes a .ncomp from stdin to a PNG on stdout, equal to the file decoded to a file', async () => {
    const r = await ncompWith({ stdin: coded }, 'decompress', '-', '-o', '-', ...M);
    expect(r.code).toBe(0);
    expect(Buffer.compare(r.stdoutBytes, decoded)).toBe(0);
    expect(r.stderr).toContain('<stdin> -> <stdout>: 40x28');
  });

  it('refuses PNG data on a terminal, and names stdin for a damaged stream', async () => {
    const tty = await ncompWith({ stdoutIsTTY: true, stdin: coded }, 'decompress', '-', ...M);
    expect(tty.code).toBe(2);
    expect(tty.stderr).toContain('refusing to write PNG data to a terminal');
    const bad = await ncompWith({ stdin: coded.subarray(0, 20) }, 'decompress', '-', ...M, '--quiet');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^ncomp decompress: <stdin>: corrupt ncomp file/);
  });

  it('leaks no tensors', async () => {
    await ncompWith({ stdin: coded }, 'decompress', '-', ...M, '--quiet'); // backend and kernels warmed up
    const before = tf.memory().numTensors;
    expect((await ncompWith({ stdin: png }, 'compress', '-', ...M, '--quiet')).code).toBe(0);
    expect((await ncompWith({ stdin: coded }, 'decompress', '-', ...M, '--quiet')).code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('in a pipe (the built CLI)', () => {
  it('compress - | decompress - - gives the PNG of the file, with messages on stderr only', async () => {
    const c = await ncompProcess(['compress', '-', ...M], { stdin: png });
    expect(c.code).toBe(0);
    expect(c.stderr).toContain('<stdin> -> <stdout>');
    expect(decodeContainer(new Uint8Array(c.stdout)).header).toMatchObject({ width: 40, height: 28 });
    expect(Buffer.compare(c.stdout, coded)).toBe(0);
    const d = await ncompProcess(['decompress', '-', '-o', '-', ...M], { stdin: c.stdout });
    expect(d.code).toBe(0);
    expect(Buffer.compare(d.stdout, decoded)).toBe(0);
    expect((await sharp(d.stdout).metadata()).format).toBe('png');
  });
});
