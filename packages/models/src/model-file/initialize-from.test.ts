import { ModelMismatchError, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, type ModelConfig } from '../zoo/registry.js';
import { initializeFrom } from './initialize-from.js';
import { loadModelBytes, modelFileBytes } from './model-file.js';

beforeAll(async () => {
  await setBackend('wasm');
});

async function trainedLike(name: string, config: ModelConfig): Promise<ReturnType<typeof loadModelBytes>> {
  const model = createModel(name, config);
  // Move every weight away from its initial value so copying is visible.
  for (const v of model.variables()) v.assign(tf.tidy(() => tf.add(v, tf.randomUniform(v.shape, -0.01, 0.01, 'float32', 7))));
  model.update();
  const bytes = await modelFileBytes(model, name, config);
  model.dispose();
  return loadModelBytes(bytes);
}

describe('initializeFrom', () => {
  it('copies every weight; a model with more levels keeps the trained rows and decodes the same at them', async () => {
    const fromConfig = { N: 8, M: 8, lambdas: [0.01, 0.04] };
    const source = await trainedLike('bmshj2018', fromConfig);
    const toConfig = { N: 8, M: 8, lambdas: [0.0025, 0.01, 0.04] };
    const before = tf.memory().numTensors;
    const target = createModel('bmshj2018', toConfig);
    const report = initializeFrom(target, 'bmshj2018', toConfig, source);
    expect(report.resampledGains).toBe(true);
    const a = source.model.stateDict();
    const b = target.stateDict();
    for (const key of Object.keys(a)) {
      if (/cdf/.test(key)) continue;
      if (key.startsWith('gain.')) {
        const rows = b[key]!.arraySync() as number[][];
        const src = a[key]!.arraySync() as number[][];
        expect(rows.slice(1)).toEqual(src);
        // The new level continues the line through the two trained ones (one λ step of ×4 down).
        rows[0]!.forEach((v, c) => expect(v).toBeCloseTo(2 * src[0]![c]! - src[1]![c]!, 5));
      } else {
        expect(Array.from(b[key]!.dataSync())).toEqual(Array.from(a[key]!.dataSync()));
      }
    }
    tf.dispose([...Object.values(a), ...Object.values(b)]);
    // Same reconstruction at a trained level: quality 0 of the source is quality 1 of the target.
    const diff = tf.tidy(() => {
      const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const ya = source.model.forward(x, { training: false, quality: 0 });
      const yb = target.forward(x, { training: false, quality: 1 });
      return tf.max(tf.abs(tf.sub(ya.xHat, yb.xHat)));
    });
    expect(diff.dataSync()[0]).toBeLessThan(1e-6);
    diff.dispose();
    target.dispose();
    expect(tf.memory().numTensors).toBe(before);
    source.model.dispose();
  });

  it('refuses another model, other channels, and fixed-rate against variable-rate', async () => {
    const source = await trainedLike('bmshj2018', { N: 8, M: 8, lambdas: [0.01, 0.04] });
    const other = createModel('mbt2018-mean', { N: 8, M: 8, lambdas: [0.01, 0.04] });
    expect(() => initializeFrom(other, 'mbt2018-mean', { N: 8, M: 8, lambdas: [0.01, 0.04] }, source)).toThrow(/cannot start mbt2018-mean from a bmshj2018/);
    other.dispose();
    const wider = createModel('bmshj2018', { N: 8, M: 12, lambdas: [0.01, 0.04] });
    expect(() => initializeFrom(wider, 'bmshj2018', { N: 8, M: 12, lambdas: [0.01, 0.04] }, source)).toThrow(ModelMismatchError);
    expect(() => initializeFrom(wider, 'bmshj2018', { N: 8, M: 12, lambdas: [0.01, 0.04] }, source)).toThrow(/only "lambdas" may differ/);
    wider.dispose();
    const fixed = createModel('bmshj2018', { N: 8, M: 8 });
    expect(() => initializeFrom(fixed, 'bmshj2018', { N: 8, M: 8 }, source)).toThrow(/fixed-rate/);
    fixed.dispose();
    source.model.dispose();
  });
});
