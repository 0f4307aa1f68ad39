import { InvalidArgumentError, UnsupportedFormatError } from '@ncomp/core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from './read-image.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncomp-read-image-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes raw 8-bit samples as a PNG of the given channel count (1..4). */
async function png8(name: string, samples: number[], width: number, height: number, channels: 1 | 2 | 3 | 4): Promise<string> {
  const path = join(dir, name);
  let img = sharp(new Uint8Array(samples), { raw: { width, height, channels } });
  if (channels <= 2) img = img.toColourspace('b-w');
  await img.png().toFile(path);
  return path;
}

describe('readImage', () => {
  it('reads an RGB PNG exactly', async () => {
    const samples = [0, 1, 2, 100, 128, 255, 7, 8, 9, 250, 251, 252];
    const img = await readImage(await png8('rgb.png', samples, 2, 2, 3));
    expect(img.width).toBe(2);
    expect(img.height).toBe(2);
    expect(img.source).toEqual({ format: 'png', channels: 'rgb', bitDepth: 8 });
    expect(Array.from(img.rgb)).toEqual(samples.map((v) => Math.fround(v / 255)));
  });

  it('replicates gray to RGB', async () => {
    const img = await readImage(await png8('gray.png', [0, 50, 200], 3, 1, 1));
    expect(img.source.channels).toBe('gray');
    expect(Array.from(img.rgb)).toEqual([0, 0, 0, 50, 50, 50, 200, 200, 200].map((v) => Math.fround(v / 255)));
  });

  it('composites gray + alpha onto white', async () => {
    const img = await readImage(await png8('gray-alpha.png', [100, 255, 100, 0, 0, 51], 3, 1, 2));
    expect(img.source.channels).toBe('gray-alpha');
    const a = 51 / 255;
    const expected = [100 / 255, 1, a * 0 + (1 - a)];
    for (let p = 0; p < 3; p++) for (let c = 0; c < 3; c++) expect(img.rgb[p * 3 + c]).toBeCloseTo(expected[p] as number, 6);
  });

  it('composites RGBA onto white', async () => {
    const img = await readImage(await png8('rgba.png', [255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 255, 128], 3, 1, 4));
    expect(img.source).toEqual({ format: 'png', channels: 'rgba', bitDepth: 8 });
    const a = 128 / 255;
    const expected = [1, 0, 0, 1, 1, 1, 1 - a, 1 - a, 1];
    expected.forEach((v, i) => expect(img.rgb[i]).toBeCloseTo(v, 6));
  });

  it('reads 16-bit samples without passing through 8 bits', async () => {
    const values = [0, 1, 2, 255, 256, 257, 32767, 40000, 65534, 65535, 12345, 54321];
    const path = join(dir, 'rgb16.png');
    await sharp(new Uint16Array(values), { raw: { width: 2, height: 2, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toFile(path);
    const img = await readImage(path);
    expect(img.source).toEqual({ format: 'png', channels: 'rgb', bitDepth: 16 });
    expect(Array.from(img.rgb)).toEqual(values.map((v) => Math.fround(v / 65535)));
  });

  it('reads 16-bit gray + alpha', async () => {
    const path = join(dir, 'ga16.png');
    await sharp(new Uint16Array([1, 65535, 40000, 0]), { raw: { width: 2, height: 1, channels: 2 } })
      .toColourspace('grey16')
      .png()
      .toFile(path);
    const img = await readImage(path);
    expect(img.source).toEqual({ format: 'png', channels: 'gray-alpha', bitDepth: 16 });
    expect(Array.from(img.rgb)).toEqual([1, 1, 1, 1, 1, 1].map((v, i) => (i < 3 ? Math.fround(v / 65535) : v)));
  });

  it('converts an ICC-tagged 16-bit Display P3 image to sRGB', async () => {
    // P3 (0.8, 0.4, 0.2) is sRGB ≈ (0.859, 0.371, 0.125) (P3 → XYZ → sRGB by hand); gray stays gray.
    const path = join(dir, 'p3-16.png');
    const p3 = new Uint16Array([0.8, 0.4, 0.2, 0.5, 0.5, 0.5].map((v) => Math.round(v * 65535)));
    await sharp(p3, { raw: { width: 2, height: 1, channels: 3 } })
      .toColourspace('rgb16')
      .withIccProfile('p3')
      .png()
      .toFile(path);
    const img = await readImage(path);
    [0.859, 0.371, 0.125, 0.5, 0.5, 0.5].forEach((v, i) => expect(img.rgb[i]).toBeCloseTo(v, 2));
    expect(img.source.bitDepth).toBe(16);
    // The same pixels as an 8-bit P3-tagged PNG (values 204, 102, 51 kept unconverted).
    const path8 = join(dir, 'p3-8.png');
    await sharp(path).keepIccProfile().toColourspace('srgb').png().toFile(path8);
    const img8 = await readImage(path8);
    expect(img8.source.bitDepth).toBe(8);
    [0.859, 0.371, 0.125, 0.5, 0.5, 0.5].forEach((v, i) => expect(img8.rgb[i]).toBeCloseTo(v, 1));
    expect(Math.abs((img8.rgb[0] as number) - 0.859)).toBeLessThan(0.01);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const path = join(dir, 'cmyk.jpg');
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toFile(path);
    expect((await sharp(path).metadata()).space).toBe('cmyk');
    const img = await readImage(path);
    expect(img.source).toEqual({ format: 'jpeg', channels: 'rgb', bitDepth: 8 });
    const [r, g, b] = Array.from(img.rgb.subarray(0, 3)) as [number, number, number];
    expect(r).toBeGreaterThan(0.6);
    expect(g).toBeLessThan(0.3);
    expect(b).toBeLessThan(0.3);
  });

  it('applies the EXIF orientation of a JPEG', async () => {
    // Stored 32×16: left half red, right half blue. Orientation 6 = rotate 90° clockwise to
    // display, so the upright image is 16×32 with red on top and blue below.
    const w = 32;
    const h = 16;
    const raw = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
    const path = join(dir, 'rotated.jpg');
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toFile(path);
    const img = await readImage(path);
    expect([img.width, img.height]).toEqual([16, 32]);
    expect(img.source).toEqual({ format: 'jpeg', channels: 'rgb', bitDepth: 8 });
    const px = (x: number, y: number): number[] => Array.from(img.rgb.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3));
    const [r1, , b1] = px(8, 4) as [number, number, number];
    const [r2, , b2] = px(8, 27) as [number, number, number];
    expect(r1).toBeGreaterThan(0.8);
    expect(b1).toBeLessThan(0.2);
    expect(r2).toBeLessThan(0.2);
    expect(b2).toBeGreaterThan(0.8);
  });

  it('reads WebP and reports the format', async () => {
    const path = join(dir, 'img.webp');
    await sharp({ create: { width: 8, height: 4, channels: 3, background: { r: 10, g: 200, b: 30 } } })
      .webp({ lossless: true })
      .toFile(path);
    const img = await readImage(path);
    expect(img.source).toEqual({ format: 'webp', channels: 'rgb', bitDepth: 8 });
    expect(img.rgb.length).toBe(8 * 4 * 3);
    expect(img.rgb[1]).toBeCloseTo(200 / 255, 6);
  });

  it('reads AVIF (reported as avif) and the first frame of a GIF', async () => {
    const avif = join(dir, 'img.avif');
    await sharp({ create: { width: 16, height: 8, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .avif({ quality: 90 })
      .toFile(avif);
    const a = await readImage(avif);
    expect(a.source.format).toBe('avif');
    expect([a.width, a.height]).toEqual([16, 8]);
    expect(a.rgb[0]).toBeCloseTo(128 / 255, 1);
    const gif = join(dir, 'img.gif');
    await sharp({ create: { width: 6, height: 4, channels: 3, background: '#000000' } })
      .gif()
      .toFile(gif);
    const g = await readImage(gif);
    expect(g.source.format).toBe('gif');
    expect(g.rgb.length).toBe(6 * 4 * 3);
  });

  it('refuses a directory', async () => {
    await expect(readImage(dir)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('refuses a missing file with "no such file"', async () => {
    const err = await readImage(join(dir, 'missing.png')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/no such file/);
  });

  it('refuses an undecodable file naming the path', async () => {
    const path = join(dir, 'not-an-image.png');
    await writeFile(path, 'hello, I am text');
    const err = await readImage(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect((err as Error).message).toContain(path);
  });

  it('refuses a truncated PNG', async () => {
    const full = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const path = join(dir, 'truncated.png');
    await writeFile(path, full.subarray(0, full.length >> 1));
    await expect(readImage(path)).rejects.toBeInstanceOf(UnsupportedFormatError);
  });
});
