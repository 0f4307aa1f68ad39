import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensorsFile } from '@ncomp/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, finiteDifferenceError, maxAbsDiff, patternTensor, useBackend, values } from '../testing/helpers.js';
import { referenceLpips, referenceWeights } from '../testing/lpips-reference.js';
import { sharedDataFolder } from '../testing/shared-data.js';
import { Lpips } from './lpips.js';

const dir = sharedDataFolder('lpips', 'LPIPS gradient tests with the shipped weights');

/** Largest gradient difference relative to the largest reference gradient entry. */
function relativeError(got: tf.Tensor, expected: tf.Tensor): number {
  return maxAbsDiff(got, expected) / tf.tidy(() => tf.max(tf.abs(expected)).dataSync()[0]!);
}

describe.skipIf(dir === undefined)('LPIPS gradients with respect to the images', () => {
  const models = new Map<'alex' | 'squeeze', Lpips>();
  const reference = new Map<'alex' | 'squeeze', Map<string, tf.Tensor>>();
  let x: tf.Tensor4D;
  let y: tf.Tensor4D;
  let before = 0;

  beforeAll(async () => {
    await useBackend('wasm');
    before = tf.memory().numTensors;
    for (const net of ['alex', 'squeeze'] as const) {
      const path = join(dir!, `lpips_${net}_v0.1.safetensors`);
      models.set(net, await Lpips.fromFile(path, net));
      reference.set(net, referenceWeights((await readSafetensorsFile(path)).tensors));
    }
    x = patternTensor(2, 40, 44, 3, 0);
    y = patternTensor(2, 40, 44, 3, 1);
  });

  afterAll(() => {
    for (const m of models.values()) m.dispose();
    for (const w of reference.values()) tf.dispose([...w.values()]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const net of ['alex', 'squeeze'] as const) {
    it(`${net}: value and input gradients equal autodiff through a plain implementation`, () =>
      expectNoLeak(() => {
        const model = models.get(net)!;
        const weights = reference.get(net)!;
        const mine = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => model.distance(a as tf.Tensor4D, b as tf.Tensor4D, { reduction: 'mean' });
        const plain = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.mean(referenceLpips(net, weights, a as tf.Tensor4D, b as tf.Tensor4D));
        const d = model.distance(x, y);
        const r = referenceLpips(net, weights, x, y);
        values(d).forEach((v, i) => expect(v).toBeCloseTo(values(r)[i]!, 5));
        const [gx, gy] = tf.grads(mine)([x, y]);
        const [rx, ry] = tf.grads(plain)([x, y]);
        expect(relativeError(gx!, rx!)).toBeLessThan(1e-3);
        expect(relativeError(gy!, ry!)).toBeLessThan(1e-3);
        tf.dispose([d, r, gx!, gy!, rx!, ry!]);
      }));
  }

  for (const net of ['alex', 'squeeze'] as const) {
    it(`${net}: the gradient matches finite differences along it`, () =>
      expectNoLeak(() => {
        // Along random directions the ReLU and max-pool kinks of the backbone dominate
        // float32 differences; along the gradient the error shrinks with the step.
        const model = models.get(net)!;
        const err = finiteDifferenceError((a) => model.distance(a as tf.Tensor4D, y, { reduction: 'mean' }), x, {
          step: 1e-4,
          randomDirections: 0,
          seed: 0,
        });
        expect(err).toBeLessThan(1e-2);
      }));
  }

  it('squeeze: the cpu backend gives the same gradient as wasm', async () => {
    const model = models.get('squeeze')!;
    const grad = (): tf.Tensor => tf.grad((a: tf.Tensor) => model.distance(a as tf.Tensor4D, y, { reduction: 'mean' }))(x);
    const onWasm = grad();
    const wasmValues = tf.tensor(onWasm.dataSync(), onWasm.shape);
    onWasm.dispose();
    await useBackend('cpu');
    try {
      await expectNoLeak(() => {
        const onCpu = grad();
        const reference = tf.tensor(wasmValues.dataSync(), wasmValues.shape);
        expect(relativeError(onCpu, reference)).toBeLessThan(1e-3);
        tf.dispose([onCpu, reference]);
      });
    } finally {
      wasmValues.dispose();
      await useBackend('wasm');
    }
  });
});
