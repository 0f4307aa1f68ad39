import { InvalidArgumentError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RandomCropSampler, type RgbImage } from './crop-sampler.js';
import { LabeledCropSampler, type LabelMap } from './labeled-crop-sampler.js';

/** An image whose red channel is its column and green its row (so crops show where they came from). */
function ramp(width: number, height: number): RgbImage {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.set([x, y, 7], (y * width + x) * 3);
  return { pixels, width, height, name: `ramp${width}x${height}` };
}

/** Labels: the column's tens digit (classes 0..N-1). */
function columnLabels(width: number, height: number): LabelMap {
  const classes = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) classes[y * width + x] = Math.floor(x / 10);
  return { classes, width, height };
}

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('RandomCropSampler', () => {
  it('plain crops copy pixels exactly; the same state gives the same crops', () => {
    const before = tf.memory().numTensors;
    const s = new RandomCropSampler([ramp(40, 30)], 8, 5);
    const state = s.state;
    const [p] = s.placements(1);
    s.state = state;
    const x = s.next(1);
    const px = (y: number, xx: number, c: number): number => Math.round(values(x)[(y * 8 + xx) * 3 + c]! * 255);
    const col = (xx: number): number => p!.left + (p!.flip ? 7 - xx : xx);
    expect([px(0, 0, 0), px(0, 0, 1), px(3, 5, 0), px(3, 5, 1), px(3, 5, 2)]).toEqual([col(0), p!.top, col(5), p!.top + 3, 7]);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('HiFiC downscale: crops of a linear ramp are linear with slope 1 / scale, scales in the range, sources inside the image', () => {
    const s = new RandomCropSampler([ramp(120, 100)], 16, 3, { scaleRange: [0.75, 0.95] });
    for (const p of s.placements(50)) {
      expect(p.scale).toBeGreaterThanOrEqual(0.75);
      expect(p.scale).toBeLessThanOrEqual(0.95);
      expect(p.top).toBeGreaterThanOrEqual(0);
      expect(p.top + 16 / p.scale).toBeLessThanOrEqual(100);
      expect(p.left + 16 / p.scale).toBeLessThanOrEqual(120);
    }
    const state = s.state;
    const [p] = s.placements(1);
    s.state = state;
    const x = s.next(1);
    const v = values(x);
    const green = (y: number): number => v[y * 16 * 3 + 1]! * 255;
    // Rows sample the ramp at top + (y + 0.5) / scale - 0.5: differences of 1 / scale.
    expect(green(9) - green(1)).toBeCloseTo(8 / p!.scale, 3);
    expect(green(0)).toBeCloseTo(p!.top + 0.5 / p!.scale - 0.5, 3);
    x.dispose();
  });

  it('refuses a bad scale range and skips images too small for the downscaled crop', () => {
    expect(() => new RandomCropSampler([ramp(40, 40)], 8, 1, { scaleRange: [0.9, 0.8] })).toThrow(InvalidArgumentError);
    expect(() => new RandomCropSampler([ramp(40, 40)], 8, 1, { scaleRange: [0, 0.8] })).toThrow(InvalidArgumentError);
    // 32 / 0.75 = 43 > 40: no image is large enough.
    expect(() => new RandomCropSampler([ramp(40, 40)], 32, 1, { scaleRange: [0.75, 0.95] })).toThrow(/at least 43x43/);
    expect(new RandomCropSampler([ramp(40, 40), ramp(50, 50)], 32, 1, { scaleRange: [0.75, 0.95] }).size).toBe(1);
  });
});

describe('LabeledCropSampler', () => {
  it('cuts the label maps where it cuts the images (flips and downscales too), from one resumable sequence', () => {
    const before = tf.memory().numTensors;
    for (const options of [{}, { scaleRange: [0.75, 0.95] as const }]) {
      const s = new LabeledCropSampler([{ image: ramp(90, 40), labels: columnLabels(90, 40) }], 9, 16, 2, options);
      const state = s.state;
      const a = s.nextLabeled(3);
      s.state = state;
      const b = s.nextLabeled(3);
      expect(values(b.labels)).toEqual(values(a.labels));
      expect(a.labels.dtype).toBe('int32');
      // Each label is the tens digit of the column the image pixel came from (red channel);
      // in a scaled crop a pixel within interpolation distance of a digit boundary may take
      // the neighbouring class.
      const red = values(a.images)
        .filter((_, i) => i % 3 === 0)
        .map((r) => r * 255);
      const labels = values(a.labels);
      const scaled = 'scaleRange' in options;
      const wrong = labels.filter((l, i) => {
        const r = red[i]!;
        if (l === Math.floor(Math.round(r) / 10)) return false;
        return !(scaled && Math.min(Math.abs(r - 10 * l), Math.abs(r - 10 * (l + 1))) <= 1.5);
      });
      expect(wrong).toEqual([]);
      expect(new Set(labels).size).toBeGreaterThan(1);
      // next() draws the same images from the same state.
      s.state = state;
      const images = s.next(3);
      expect(values(images)).toEqual(values(b.images));
      tf.dispose([a.images, a.labels, b.images, b.labels, images]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses label maps of another size and labels outside [0, numClasses)', () => {
    expect(() => new LabeledCropSampler([{ image: ramp(40, 30), labels: columnLabels(40, 29) }], 9, 8, 1)).toThrow(/expected 40x30 labels/);
    expect(() => new LabeledCropSampler([{ image: ramp(40, 30), labels: columnLabels(40, 30) }], 3, 8, 1)).toThrow(/label 3 at pixel 30 is outside \[0, 3\)/);
  });
});
