import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from './read-image.js';
import { writePng } from './write-png.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncomp-write-png-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Deterministic samples k / levels for a width × height RGB image. */
function grid(width: number, height: number, levels: number): Float32Array {
  const out = new Float32Array(width * height * 3);
  for (let i = 0; i < out.length; i++) out[i] = ((i * 7919 + 13) % (levels + 1)) / levels;
  return out;
}

describe('writePng', () => {
  it('round-trips 8-bit RGB exactly', async () => {
    const rgb = grid(5, 3, 255);
    const path = join(dir, 'rgb8.png');
    await writePng(path, rgb, 5, 3, { channels: 'rgb', overwrite: false });
    const img = await readImage(path);
    expect(img.source).toEqual({ format: 'png', channels: 'rgb', bitDepth: 8 });
    expect([img.width, img.height]).toEqual([5, 3]);
    expect(img.rgb).toEqual(rgb);
  });

  it('round-trips 16-bit RGB exactly', async () => {
    const rgb = grid(7, 3, 65535);
    const path = join(dir, 'rgb16.png');
    await writePng(path, rgb, 7, 3, { channels: 'rgb', bitDepth: 16, overwrite: false });
    const img = await readImage(path);
    expect(img.source.bitDepth).toBe(16);
    expect(img.rgb).toEqual(rgb);
  });

  it('rounds to 8 bits and clamps', async () => {
    const rgb = new Float32Array([-0.5, 1.5, 0.5, 0.001, 0.999, 100 / 255 + 0.4 / 255]);
    const path = join(dir, 'rounded.png');
    await writePng(path, rgb, 2, 1, { channels: 'rgb', overwrite: false });
    const { data } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data)).toEqual([0, 255, 128, 0, 255, 100]);
  });

  it('writes gray PNGs of the channel mean (8 and 16 bit)', async () => {
    const rgb = new Float32Array([0.1, 0.2, 0.3, 1, 1, 1, 0, 0, 0.3]);
    for (const bitDepth of [8, 16] as const) {
      const path = join(dir, `gray${bitDepth}.png`);
      await writePng(path, rgb, 3, 1, { channels: 'gray', bitDepth, overwrite: false });
      const meta = await sharp(path).metadata();
      expect(meta.channels).toBe(1);
      expect(meta.depth).toBe(bitDepth === 16 ? 'ushort' : 'uchar');
      const img = await readImage(path);
      expect(img.source.channels).toBe('gray');
      const max = bitDepth === 16 ? 65535 : 255;
      const means = [0.2, 1, 0.1].map((m) => Math.fround(Math.round(Math.fround(m) * max) / max));
      for (let p = 0; p < 3; p++) for (let c = 0; c < 3; c++) expect(img.rgb[p * 3 + c]).toBeCloseTo(means[p] as number, 7);
    }
  });

  it('refuses to overwrite without the flag, with the --force hint, and replaces with it', async () => {
    const path = join(dir, 'existing.png');
    await writePng(path, new Float32Array([1, 0, 0]), 1, 1, { channels: 'rgb', overwrite: false });
    const before = await readFile(path);
    const err = await writePng(path, new Float32Array([0, 1, 0]), 1, 1, { channels: 'rgb', overwrite: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/pass --force to replace it/);
    expect(await readFile(path)).toEqual(before);
    await writePng(path, new Float32Array([0, 1, 0]), 1, 1, { channels: 'rgb', overwrite: true });
    expect(Array.from((await readImage(path)).rgb)).toEqual([0, 1, 0]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses bad sizes and non-finite samples', async () => {
    const path = join(dir, 'bad.png');
    await expect(writePng(path, new Float32Array(6), 3, 1, { channels: 'rgb', overwrite: false })).rejects.toBeInstanceOf(ShapeError);
    await expect(writePng(path, new Float32Array(0), 0, 1, { channels: 'rgb', overwrite: false })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(writePng(path, new Float32Array([0, Number.NaN, 0]), 1, 1, { channels: 'rgb', overwrite: false })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(writePng(path, new Float32Array(3), 1, 1, { channels: 'rgb', bitDepth: 12 as 8, overwrite: false })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(writePng(path, new Float32Array(3), 1, 1, { channels: 'rgba' as 'rgb', overwrite: false })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await readdir(dir)).includes('bad.png')).toBe(false);
  });
});
