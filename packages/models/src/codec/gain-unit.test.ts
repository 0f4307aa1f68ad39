import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { GainUnit } from './gain-unit.js';

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
});
