import { CorruptStreamError, InvalidArgumentError } from '@ncomp/core';
import { describe, expect, it } from 'vitest';
import { CLASSICAL_CODECS, decodeClassical, encodeClassical } from './classical-codec.js';
import { classicalAtQualities, matchBitrate, type BaselineImage } from './match-bitrate.js';

/** A deterministic 64×48 test image: smooth gradients, an edge and pseudo-random texture. */
function synthetic(width = 64, height = 48): BaselineImage {
  const rgb = new Float32Array(width * height * 3);
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) / 2 ** 24;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const edge = x > width / 2 ? 0.3 : 0;
      rgb[i] = Math.min(1, (x / width) * 0.6 + edge + 0.1 * rand());
      rgb[i + 1] = Math.min(1, (y / height) * 0.7 + 0.15 * Math.sin(x / 3) ** 2 + 0.05 * rand());
      rgb[i + 2] = Math.min(1, 0.5 + 0.4 * Math.sin((x + y) / 5) * 0.5 + 0.1 * rand());
    }
  }
  return { rgb, width, height };
}

const image = synthetic();
const psnr = (a: Float32Array, b: Float32Array): number => {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += ((a[i] as number) - (b[i] as number)) ** 2;
  return 10 * Math.log10(1 / (se / a.length));
};

describe.each(CLASSICAL_CODECS)('%s', (codec) => {
  it('grows with quality and decodes to the right size', async () => {
    const results = await classicalAtQualities(image, codec, [10, 50, 90]);
    expect(results.map((r) => r.quality)).toEqual([10, 50, 90]);
    for (let i = 1; i < results.length; i++) expect(results[i]!.bytes.length).toBeGreaterThan(results[i - 1]!.bytes.length);
    for (const r of results) {
      expect(r.codec).toBe(codec);
      expect(r.reconstruction.length).toBe(64 * 48 * 3);
      expect(r.bpp).toBeCloseTo((r.bytes.length * 8) / (64 * 48), 12);
    }
    // Higher quality, higher fidelity (a sanity check that decode matches the input).
    expect(psnr(image.rgb, results[2]!.reconstruction)).toBeGreaterThan(psnr(image.rgb, results[0]!.reconstruction));
    expect(psnr(image.rgb, results[2]!.reconstruction)).toBeGreaterThan(25);
  });

  it('matchBitrate lands on the closest quality within the achievable range', async () => {
    const [low, high] = await classicalAtQualities(image, codec, [1, 100]);
    const target = (low!.bpp + high!.bpp) / 2;
    const m = await matchBitrate(image, codec, target);
    expect(m.bpp).toBeGreaterThanOrEqual(low!.bpp);
    expect(m.bpp).toBeLessThanOrEqual(high!.bpp);
    expect(m.quality).toBeGreaterThan(1);
    expect(m.quality).toBeLessThan(100);
    const neighbours = await classicalAtQualities(image, codec, [m.quality - 1, m.quality + 1]);
    for (const n of neighbours) expect(Math.abs(m.bpp - target)).toBeLessThanOrEqual(Math.abs(n.bpp - target));
    expect(m.reconstruction.length).toBe(64 * 48 * 3);
  });
});

describe('matchBitrate bounds and errors', () => {
  it('gives quality 100 / 1 for targets beyond the range', async () => {
    expect((await matchBitrate(image, 'jpeg', 1000)).quality).toBe(100);
    expect((await matchBitrate(image, 'jpeg', 1e-6)).quality).toBe(1);
  });

  it('refuses bad targets, qualities and codecs', async () => {
    await expect(matchBitrate(image, 'jpeg', 0)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(matchBitrate(image, 'jpeg', Number.NaN)).rejects.toBeInstanceOf(InvalidArgumentError);
    const rgb8 = new Uint8Array(4 * 4 * 3);
    await expect(encodeClassical(rgb8, 4, 4, 'jpeg', 0)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(encodeClassical(rgb8, 4, 4, 'jpeg', 50.5)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(encodeClassical(rgb8, 4, 4, 'png' as 'jpeg', 50)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('decodeClassical', () => {
  it('refuses garbage and a wrong size', async () => {
    await expect(decodeClassical(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toBeInstanceOf(CorruptStreamError);
    const bytes = await encodeClassical(new Uint8Array(8 * 4 * 3).fill(128), 8, 4, 'webp', 80);
    expect((await decodeClassical(bytes, { width: 8, height: 4 })).length).toBe(96);
    await expect(decodeClassical(bytes, { width: 4, height: 8 })).rejects.toBeInstanceOf(CorruptStreamError);
  });

  it('refuses a truncated JPEG', async () => {
    const bytes = await encodeClassical(new Uint8Array(64 * 48 * 3).fill(90), 64, 48, 'jpeg', 90);
    await expect(decodeClassical(bytes.subarray(0, bytes.length >> 1))).rejects.toBeInstanceOf(CorruptStreamError);
  });
});
