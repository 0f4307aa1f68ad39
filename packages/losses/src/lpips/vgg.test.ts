import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { SafetensorsTensor } from '@ncomp/core';
import { ModelMismatchError, readSafetensorsFile, writeSafetensorsFile } from '@ncomp/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, maxAbsDiff, patternTensor, useBackend, values } from '../testing/helpers.js';
import { referenceLpips, referenceWeights } from '../testing/lpips-reference.js';
import { lpipsWeightShapes } from './backbone.js';
import { Lpips } from './lpips.js';

/** Deterministic He-uniform weights for every expected VGG tensor; `lin2.weight` stored as F16. */
function randomVggWeights(): Map<string, SafetensorsTensor> {
  let state = 0x9e3779b9;
  const uniform = (): number => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    state = (state ^ (state >>> 12)) >>> 0;
    return state / 2 ** 32;
  };
  const out = new Map<string, SafetensorsTensor>();
  for (const [name, shape] of lpipsWeightShapes('vgg')) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (name.startsWith('lin')) for (let i = 0; i < size; i++) data[i] = 0.1 * uniform();
    else if (name.endsWith('.bias')) for (let i = 0; i < size; i++) data[i] = 0.02 * (uniform() - 0.5);
    else {
      const bound = Math.sqrt(6 / (shape[1]! * shape[2]! * shape[3]!));
      for (let i = 0; i < size; i++) data[i] = bound * (2 * uniform() - 1);
    }
    out.set(name, { dtype: name === 'lin2.weight' ? 'F16' : 'F32', shape, data });
  }
  return out;
}

describe('LPIPS with a VGG16 backbone (random weights in a temporary file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncomp-lpips-vgg-'));
  const path = join(dir, 'lpips_vgg_random.safetensors');
  let model: Lpips;
  let reference: Map<string, tf.Tensor>;
  let before = 0;

  beforeAll(async () => {
    await useBackend('wasm');
    before = tf.memory().numTensors;
    await writeSafetensorsFile(path, randomVggWeights());
    model = await Lpips.fromFile(path, 'vgg');
    reference = referenceWeights((await readSafetensorsFile(path)).tensors);
  });

  afterAll(() => {
    model.dispose();
    tf.dispose([...reference.values()]);
    expect(tf.memory().numTensors).toBe(before);
    rmSync(dir, { recursive: true, force: true });
  });

  it('expects the torchvision vgg16 feature names and the five heads', () => {
    const shapes = lpipsWeightShapes('vgg');
    expect(shapes.size).toBe(13 * 2 + 5);
    expect(shapes.get('features.0.weight')).toEqual([64, 3, 3, 3]);
    expect(shapes.get('features.28.weight')).toEqual([512, 512, 3, 3]);
    expect([1, 2, 3, 4, 5].map((k) => shapes.get(`lin${k - 1}.weight`))).toEqual([[64], [128], [256], [512], [512]]);
    expect(model.numParameters()).toBe(14_714_688 + 1_472);
    expect(model.minimumSize).toBe(16);
  });

  it('computes what a plain implementation computes, with the same input gradients', () =>
    expectNoLeak(() => {
      const x = patternTensor(2, 24, 20, 3, 0);
      const y = patternTensor(2, 24, 20, 3, 1);
      const d = model.distance(x, y);
      const r = referenceLpips('vgg', reference, x, y);
      expect(values(d).every((v) => v > 0)).toBe(true);
      values(d).forEach((v, i) => expect(v).toBeCloseTo(values(r)[i]!, 5));
      const same = model.distance(x, x);
      expect(values(same)).toEqual([0, 0]);
      const gx = tf.grad((a: tf.Tensor) => model.distance(a as tf.Tensor4D, y, { reduction: 'mean' }))(x);
      const rx = tf.grad((a: tf.Tensor) => tf.mean(referenceLpips('vgg', reference, a as tf.Tensor4D, y)))(x);
      const scale = tf.tidy(() => tf.max(tf.abs(rx)).dataSync()[0]!);
      expect(maxAbsDiff(gx, rx)).toBeLessThan(1e-3 * scale);
      tf.dispose([x, y, d, r, same, gx, rx]);
    }));

  it('refuses the VGG file as AlexNet weights and names what it is', async () => {
    await expect(Lpips.fromFile(path, 'alex')).rejects.toThrow(ModelMismatchError);
    await expect(Lpips.fromFile(path, 'alex')).rejects.toThrow(/they are LPIPS 'vgg' weights/);
    await expect(Lpips.fromFile(path, 'alex')).rejects.toThrow(/"features\.0\.weight": expected shape \[64, 3, 11, 11\], found F32 \[64, 3, 3, 3\]/);
  });
});
