import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cropImage, padImage } from './pad.js';
import { toUint16Rgb, toUint8Rgb } from './to-uint8.js';

const image = (w: number, h: number): Float32Array => Float32Array.from({ length: w * h * 3 }, (_, i) => (i % 97) / 96);

describe('padImage / cropImage', () => {
  it('pads to the next multiple with edge replication', () => {
    // 3×2 → 4×4 with multiple 4.
    const rgb = image(3, 2);
    const { rgb: out, width, height } = padImage(rgb, 3, 2, 4);
    expect([width, height]).toEqual([4, 4]);
    const at = (a: Float32Array, w: number, x: number, y: number): number[] => Array.from(a.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) expect(at(out, 4, x, y)).toEqual(at(rgb, 3, Math.min(x, 2), Math.min(y, 1)));
    }
  });

  it('is undone by cropImage for odd sizes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 8 }), (w, h, m) => {
        const rgb = image(w, h);
        const padded = padImage(rgb, w, h, m);
        expect(padded.width % m).toBe(0);
        expect(padded.height % m).toBe(0);
        expect(padded.width - w).toBeLessThan(m);
        expect(padded.height - h).toBeLessThan(m);
        expect(cropImage(padded.rgb, padded.width, padded.height, w, h)).toEqual(rgb);
      }),
      { numRuns: 60 },
    );
  });

  it('returns a copy when no padding is needed', () => {
    const rgb = image(4, 4);
    const padded = padImage(rgb, 4, 4, 2);
    expect(padded.rgb).toEqual(rgb);
    expect(padded.rgb).not.toBe(rgb);
  });

  it('refuses bad arguments', () => {
    expect(() => padImage(image(3, 3), 3, 3, 0)).toThrow(InvalidArgumentError);
    expect(() => padImage(image(3, 3), 3, 2, 4)).toThrow(ShapeError);
    expect(() => cropImage(image(3, 3), 3, 3, 4, 1)).toThrow(InvalidArgumentError);
  });
});

describe('toUint8Rgb / toUint16Rgb', () => {
  it('rounds and clamps', () => {
    const x = new Float32Array([-1, 0, 0.5, 127.4 / 255, 1, 2]);
    expect(Array.from(toUint8Rgb(x))).toEqual([0, 0, 128, 127, 255, 255]);
    expect(Array.from(toUint16Rgb(x))).toEqual([0, 0, 32768, Math.round(Math.fround(127.4 / 255) * 65535), 65535, 65535]);
  });

  it('inverts v / 255 exactly', () => {
    const v = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toUint8Rgb(Float32Array.from(v, (x) => x / 255))).toEqual(v);
  });

  it('refuses NaN', () => {
    expect(() => toUint8Rgb(new Float32Array([0, Number.NaN]))).toThrow(InvalidArgumentError);
  });
});
