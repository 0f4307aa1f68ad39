import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { GainUnit, resampleLogGains } from './gain-unit.js';

describe('GainUnit', () => {
  it('initialises gains to sqrt(λ / λ_ref) and inverse gains to their reciprocals', () => {
    const lambdas = [0.001, 0.004, 0.016];
    const g = new GainUnit(3, lambdas);
    const ref = Math.sqrt(0.001 * 0.016);
    lambdas.forEach((l, i) => {
      const gain = g.gain(i);
      const inv = g.inverseGain(i);
      for (const v of gain.dataSync()) expect(v).toBeCloseTo(Math.sqrt(l / ref), 5);
      for (const v of inv.dataSync()) expect(v).toBeCloseTo(Math.sqrt(ref / l), 5);
      tf.dispose([gain, inv]);
    });
    g.dispose();
  });

  it('interpolates geometrically between levels and leaks nothing', () => {
    const g = new GainUnit(2, [0.01, 0.04]);
    const before = tf.memory().numTensors;
    const a = g.gain(0).dataSync()[0]!;
    const b = g.gain(1).dataSync()[0]!;
    const mid = g.gain(0.5);
    expect(mid.dataSync()[0]).toBeCloseTo(Math.sqrt(a * b), 6);
    mid.dispose();
    // gain(0), gain(1) were not disposed above: 2 tensors.
    expect(tf.memory().numTensors).toBe(before + 2);
    g.dispose();
  });

  it('refuses qualities outside [0, levels - 1] and bad lambdas', () => {
    const g = new GainUnit(2, [0.01, 0.04]);
    expect(() => g.gain(-0.1)).toThrow(/quality must be in \[0, 1\]/);
    expect(() => g.gain(1.5)).toThrow(/quality/);
    expect(() => g.gain(Number.NaN)).toThrow(/quality/);
    g.dispose();
    expect(() => new GainUnit(2, [0.01])).toThrow(/at least 2 increasing/);
    expect(() => new GainUnit(2, [0.04, 0.01])).toThrow(/increasing/);
  });

  it('resampleLogGains keeps trained rows and is linear in log λ elsewhere (closed form)', () => {
    // Rows a + b log λ per channel: resampling must reproduce the line exactly.
    const line = (l: number): number[] => [1 + 0.5 * Math.log(l), -2 - 0.25 * Math.log(l)];
    const from = [0.0025, 0.0079, 0.025];
    const table = from.map(line);
    const to = [0.0008, 0.0025, 0.004, 0.025, 0.1];
    const out = resampleLogGains(table, from, to);
    expect(out).toHaveLength(5);
    out.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(line(to[i]!)[c]!, 12)));
    // Trained levels are copied, not recomputed.
    expect(out[1]).toEqual(table[0]);
    expect(out[3]).toEqual(table[2]);
    // A kinked table: a new level between two trained ones uses only those two.
    const kinked = [[0], [1], [5]];
    const mid = resampleLogGains(kinked, [1, Math.E, Math.E ** 2], [Math.E ** 1.5, Math.E ** -1, Math.E ** 3]);
    expect(mid[0]![0]).toBeCloseTo(3, 12);
    expect(mid[1]![0]).toBeCloseTo(-1, 12);
    expect(mid[2]![0]).toBeCloseTo(9, 12);
    expect(() => resampleLogGains([[0]], [1], [1, 2])).toThrow(/at least 2/);
    expect(() => resampleLogGains([[0], [1]], [1, 2, 3], [1])).toThrow(/2 rows for 3 lambdas/);
  });
});
