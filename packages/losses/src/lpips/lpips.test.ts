import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { SafetensorsTensor } from '@ncomp/core';
import { InvalidArgumentError, ModelMismatchError, readSafetensorsFile, ShapeError, writeSafetensors } from '@ncomp/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, useBackend, values } from '../testing/helpers.js';
import { readRgbPng, sharedDataFolder } from '../testing/shared-data.js';
import { lpipsWeightShapes } from './backbone.js';
import { Lpips } from './lpips.js';

const dir = sharedDataFolder('lpips', 'LPIPS golden-value and weight-file tests');

interface GoldenCase {
  readonly ref: string;
  readonly dist: string;
  readonly shape_hw: [number, number];
  readonly 'lpips_alex_v0.1': number;
  readonly 'lpips_squeeze_v0.1': number;
}

describe.skipIf(dir === undefined)('LPIPS with the shipped v0.1 weights', () => {
  const golden = dir === undefined ? [] : (JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')).cases as GoldenCase[]);
  const models: Partial<Record<'alex' | 'squeeze', Lpips>> = {};
  let before = 0;

  beforeAll(async () => {
    await useBackend('wasm');
    before = tf.memory().numTensors;
    models.alex = await Lpips.fromFile(join(dir!, 'lpips_alex_v0.1.safetensors'), 'alex');
    models.squeeze = await Lpips.fromFile(join(dir!, 'lpips_squeeze_v0.1.safetensors'), 'squeeze');
  });

  afterAll(() => {
    models.alex?.dispose();
    models.squeeze?.dispose();
    // Every weight was freed with the models.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('holds the expected parameters, frozen', () => {
    expect(models.alex!.numParameters()).toBe(2_469_696 + 1_152);
    expect(models.alex!.trainableVariables()).toEqual([]);
    expect(models.squeeze!.numParameters({ trainableOnly: true })).toBe(0);
    expect([...models.alex!.namedVariables().keys()]).toEqual([...lpipsWeightShapes('alex').keys()].map((name) => `weights.${name}`));
    // Conv kernels are stored HWIO.
    expect(models.alex!.namedVariables().get('weights.features.0.weight')!.shape).toEqual([11, 11, 3, 64]);
    expect(models.alex!.minimumSize).toBe(31);
    expect(models.squeeze!.minimumSize).toBe(25);
  });

  for (const net of ['alex', 'squeeze'] as const) {
    it(`${net}: matches the reference distances of golden.json within 1e-4`, () =>
      expectNoLeak(() => {
        expect(golden.length).toBe(5);
        for (const c of golden) {
          const x = readRgbPng(join(dir!, c.ref));
          const y = readRgbPng(join(dir!, c.dist));
          expect(x.shape.slice(1, 3)).toEqual(c.shape_hw);
          const d = models[net]!.distance(x, y);
          expect(Math.abs(values(d)[0]! - c[`lpips_${net}_v0.1`])).toBeLessThan(1e-4);
          tf.dispose([x, y, d]);
        }
      }));
  }

  it('gives the same distances for a batch as for each pair alone, symmetric, and 0 for identical images', () =>
    expectNoLeak(() => {
      const cases = golden.filter((c) => c.shape_hw[0] === 64 && c.shape_hw[1] === 64);
      expect(cases.length).toBe(3);
      const xs = cases.map((c) => readRgbPng(join(dir!, c.ref)));
      const ys = cases.map((c) => readRgbPng(join(dir!, c.dist)));
      const x = tf.concat(xs) as tf.Tensor4D;
      const y = tf.concat(ys) as tf.Tensor4D;
      for (const net of ['alex', 'squeeze'] as const) {
        const forward = models[net]!.distance(x, y);
        const backward = models[net]!.distance(y, x);
        const same = models[net]!.distance(x, x);
        const mean = models[net]!.distance(x, y, { reduction: 'mean' });
        values(forward).forEach((v, i) => expect(Math.abs(v - cases[i]![`lpips_${net}_v0.1`])).toBeLessThan(1e-4));
        values(backward).forEach((v, i) => expect(v).toBeCloseTo(values(forward)[i]!, 6));
        expect(values(same)).toEqual([0, 0, 0]);
        expect(values(mean)[0]).toBeCloseTo(values(forward).reduce((a, b) => a + b) / 3, 6);
        tf.dispose([forward, backward, same, mean]);
      }
      tf.dispose([...xs, ...ys, x, y]);
    }));

  it('refuses images it cannot compare', () =>
    expectNoLeak(() => {
      const gray = tf.zeros([1, 64, 64, 1]) as tf.Tensor4D;
      const small = tf.zeros([1, 30, 64, 3]) as tf.Tensor4D;
      const a = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
      const b = tf.zeros([2, 64, 64, 3]) as tf.Tensor4D;
      expect(() => models.alex!.distance(gray, gray)).toThrow(/3 \(RGB\) channels/);
      expect(() => models.alex!.distance(small, small)).toThrow(/at least 31x31 pixels, found 30x64/);
      expect(() => models.alex!.distance(a, b)).toThrow(ShapeError);
      tf.dispose([gray, small, a, b]);
    }));

  it('refuses a missing file, the wrong backbone and mismatched tensors with typed errors', async () => {
    const before = tf.memory().numTensors;
    await expect(Lpips.fromFile(join(dir!, 'no_such_file.safetensors'), 'alex')).rejects.toThrow(InvalidArgumentError);
    await expect(Lpips.fromFile(join(dir!, 'no_such_file.safetensors'), 'alex')).rejects.toThrow(/no_such_file/);
    await expect(Lpips.fromFile(join(dir!, 'lpips_alex_v0.1.safetensors'), 'squeeze')).rejects.toThrow(
      /weights do not match LPIPS with backbone 'squeeze' \(they are LPIPS 'alex' weights\)/,
    );
    await expect(Lpips.fromFile(join(dir!, 'lpips_alex_v0.1.safetensors'), 'resnet' as 'alex')).rejects.toThrow(InvalidArgumentError);
    // Drop one tensor, reshape another, change a dtype and add a stray one.
    const file = await readSafetensorsFile(join(dir!, 'lpips_alex_v0.1.safetensors'));
    const tensors = new Map<string, SafetensorsTensor>(file.tensors);
    tensors.delete('lin4.weight');
    tensors.set('features.0.bias', { dtype: 'F32', shape: [63], data: new Float32Array(63) });
    tensors.set('lin0.weight', { dtype: 'I32', shape: [64], data: new Int32Array(64) });
    tensors.set('extra.weight', { dtype: 'F32', shape: [2], data: new Float32Array(2) });
    const bytes = writeSafetensors(tensors);
    let error: unknown;
    try {
      Lpips.fromSafetensors(bytes, 'alex', 'edited.safetensors');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ModelMismatchError);
    const message = (error as Error).message;
    expect(message).toMatch(/^edited\.safetensors: weights do not match LPIPS with backbone 'alex'; 4 problems/);
    expect(message).toContain('missing "lin4.weight": expected F32 [256]');
    expect(message).toContain('"features.0.bias": expected shape [64], found F32 [63]');
    expect(message).toContain('"lin0.weight": expected a float tensor [64], found I32 [64]');
    expect(message).toContain('unexpected "extra.weight"');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses use after dispose', async () => {
    const model = await Lpips.fromFile(join(dir!, 'lpips_squeeze_v0.1.safetensors'), 'squeeze');
    model.dispose();
    const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    expect(() => model.distance(x, x)).toThrow(InvalidArgumentError);
    x.dispose();
  });
});
