import { deflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptStreamError, UnsupportedFormatError } from '@ncomp/core';
import { describe, expect, it } from 'vitest';
import { crc32, decodePng } from './png.js';
import { sharedDataFolder } from './shared-data.js';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A straightforward PNG encoder: row y uses filter `filters[y % filters.length]`. */
function encodePng(
  width: number,
  height: number,
  colorType: number,
  channels: number,
  pixels: Uint8Array,
  filters: readonly number[],
  extra: Array<[string, Uint8Array]> = [],
  bitDepth = 8,
): Uint8Array {
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = pixels[y * stride + i]!;
      const a = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels]! : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f]!;
      raw[y * (stride + 1) + 1 + i] = (x - pred) & 0xff;
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const parts = [
    Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10),
    chunk('IHDR', ihdr),
    ...extra.map(([t, d]) => chunk(t, d)),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  return Buffer.concat(parts);
}

function randomBytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  });
}

describe('decodePng (test helper)', () => {
  it('matches the CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  for (const [colorType, channels, label] of [
    [0, 1, 'gray'],
    [2, 3, 'RGB'],
    [4, 2, 'gray + alpha'],
    [6, 4, 'RGBA'],
  ] as const) {
    it(`decodes ${label} images with every filter type, each alone and mixed`, () => {
      const [w, h] = [13, 9];
      const pixels = randomBytes(w * h * channels, colorType + 1);
      for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]]) {
        const png = decodePng(encodePng(w, h, colorType, channels, pixels, filters));
        expect(png).toMatchObject({ width: w, height: h, channels });
        expect(png.data).toEqual(pixels);
      }
    });
  }

  it('expands palette images, with and without transparency', () => {
    const palette = Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255);
    const indexes = Uint8Array.of(0, 1, 2, 2, 1, 0);
    const rgb = decodePng(encodePng(3, 2, 3, 1, indexes, [4], [['PLTE', palette]]));
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data.subarray(0, 9))).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const rgba = decodePng(
      encodePng(
        3,
        2,
        3,
        1,
        indexes,
        [0],
        [
          ['PLTE', palette],
          ['tRNS', Uint8Array.of(7)],
        ],
      ),
    );
    expect(rgba.channels).toBe(4);
    expect(Array.from(rgba.data.subarray(0, 8))).toEqual([255, 0, 0, 7, 0, 255, 0, 255]);
  });

  it('refuses damaged and unsupported files with typed errors', () => {
    const good = encodePng(4, 4, 2, 3, randomBytes(48, 9), [1]);
    const badCrc = good.slice();
    badCrc[20] = badCrc[20]! ^ 1; // inside IHDR
    expect(() => decodePng(badCrc)).toThrow(CorruptStreamError);
    expect(() => decodePng(good.subarray(0, good.length - 20))).toThrow(CorruptStreamError);
    expect(() => decodePng(Uint8Array.of(1, 2, 3))).toThrow(CorruptStreamError);
    const sixteenBit = encodePng(2, 2, 2, 6, randomBytes(24, 3), [0], [], 16);
    expect(() => decodePng(sixteenBit)).toThrow(UnsupportedFormatError);
  });

  const dir = sharedDataFolder('lpips', 'PNG decoding of the shared LPIPS images');
  it.skipIf(dir === undefined)('reads the shared LPIPS test images with their stated sizes', () => {
    const png = decodePng(readFileSync(join(dir!, 'C_kodim01_80x96.png')));
    expect(png).toMatchObject({ width: 96, height: 80, channels: 3 });
    expect(png.data.length).toBe(80 * 96 * 3);
  });
});
