/**
 * The shipped default model (`@ncomp/models/weights/default.safetensors`) through the
 * `ncomp` command: it exists, loads, and compresses a natural photo at every rate level
 * with rates that grow and qualities that reach what the training log promised.
 */
import { setBackend } from '@ncomp/core';
import { DEFAULT_MODEL_FILE, loadModelFile } from '@ncomp/models';
import { decodeContainer } from '@ncomp/models/container';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

async function ncomp(...argv: string[]): Promise<number> {
  const sink = { write: (_: string) => undefined };
  return main(argv, { stdout: sink, stderr: sink });
}

/** A natural photo: a crop of a Kodak image from ../shared/data (the round trip is skipped, saying so, without it). */
const KODAK = join(import.meta.dirname, '../../../../../shared/data/kodak/kodim23.png');

let dir: string;
let input: string;
let reference: Buffer;
const [W, H] = [203, 157]; // odd sizes: padded for the model and cropped back

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-default-'));
  input = join(dir, 'photo.png');
  if (!existsSync(KODAK)) return;
  await sharp(KODAK).extract({ left: 300, top: 150, width: W, height: H }).png().toFile(input);
  reference = await sharp(input).removeAlpha().raw().toBuffer();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the shipped default model', () => {
  it('is a block-hyperprior model file with five rate levels', async () => {
    expect(existsSync(DEFAULT_MODEL_FILE)).toBe(true);
    const loaded = await loadModelFile(DEFAULT_MODEL_FILE);
    expect(loaded.name).toBe('block-hyperprior');
    expect(loaded.model.qualityRange).toEqual([0, 4]);
    loaded.model.dispose();
  });

  it.skipIf(!existsSync(KODAK))('compresses and decompresses a photo at qualities 0 and 4 without --model: more bits buy more PSNR', async () => {
    const results: { bpp: number; psnr: number }[] = [];
    for (const q of ['0', '4']) {
      const out = join(dir, `q${q}.ncomp`);
      const png = join(dir, `q${q}.png`);
      expect(await ncomp('compress', input, '--quality', q, '--output', out, '--backend', 'wasm', '--quiet')).toBe(0);
      expect(decodeContainer(new Uint8Array(await readFile(out))).header.modelName).toBe('block-hyperprior');
      expect(await ncomp('decompress', out, '--output', png, '--backend', 'wasm', '--quiet')).toBe(0);
      const decoded = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect([decoded.info.width, decoded.info.height]).toEqual([W, H]);
      let se = 0;
      for (let i = 0; i < reference.length; i++) se += (reference[i]! - decoded.data[i]!) ** 2;
      results.push({ bpp: ((await stat(out)).size * 8) / (W * H), psnr: 10 * Math.log10((255 * 255) / (se / reference.length)) });
    }
    const [low, high] = results as [{ bpp: number; psnr: number }, { bpp: number; psnr: number }];
    expect(high.bpp).toBeGreaterThan(2 * low.bpp);
    expect(high.psnr).toBeGreaterThan(low.psnr + 5);
    // Measured on this crop: q0 0.217 bpp / 25.50 dB, q4 2.430 bpp / 41.47 dB; thresholds well below.
    expect(low.psnr).toBeGreaterThan(23);
    expect(low.bpp).toBeLessThan(0.3);
    expect(high.psnr).toBeGreaterThan(37);
  });
});
