import { exactMap, setBackend, type ExactFn, type ExactMap } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LatentResidualPrediction } from '../charm/latent-residual-prediction.js';
import { SliceTransform } from '../charm/slice-transform.js';
import { Conv2d } from '../conv/conv2d.js';
import { ConvTranspose2d } from '../conv/conv-transpose2d.js';
import type { ConvPadding } from '../conv/padding.js';
import { Sequential, leakyRelu, relu } from '../sequential/sequential.js';
import { PatchMerging } from '../swin/patch-merging.js';
import { SwinStage } from '../swin/swin-stage.js';
import { referenceConv2d, referenceConvTranspose2d, uniform } from '../test-helpers.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** One image of an NHWC tensor as an ExactMap. */
function toMap(t: tf.Tensor): ExactMap {
  const [, h, w, c] = t.shape as [number, number, number, number];
  return exactMap(h, w, c, Float64Array.from(t.dataSync()));
}

/** Largest |exact - call| relative to the output's largest magnitude (float32 rounding gives ~1e-6). */
function relativeError(exact: ExactMap, reference: tf.Tensor): number {
  const ref = reference.dataSync();
  expect(exact.data.length).toBe(ref.length);
  let err = 0;
  let scale = 1e-12;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(exact.data[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return err / scale;
}

async function expectTwin(module: { call(x: tf.Tensor): tf.Tensor; exact(): Promise<ExactFn>; dispose(): void }, x: tf.Tensor, tol = 2e-5): Promise<void> {
  const before = tf.memory().numTensors;
  const twin = await module.exact();
  const y = module.call(x);
  const [, oh, ow, oc] = y.shape as number[];
  const e = twin(toMap(x));
  expect([e.height, e.width, e.channels]).toEqual([oh, ow, oc]);
  expect(relativeError(e, y)).toBeLessThan(tol);
  y.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

describe('deterministic twins (exact()) agree with call() within float32 rounding', () => {
  const cases: [ConvPadding, number, number, number][] = [];
  for (const padding of ['same', 'same_zeros', 'valid'] as const)
    for (const [k, s] of [
      [3, 1],
      [5, 2],
      [4, 2],
      [2, 2],
    ] as const)
      cases.push([padding, k, s, 0]);
  it.each(cases)('Conv2d and ConvTranspose2d, padding %s, kernel %d, stride %d, odd and even sizes', async (padding, k, s) => {
    for (const [h, w] of [
      [9, 8],
      [7, 11],
    ] as const) {
      const conv = new Conv2d(3, 5, k, { stride: s, padding });
      const x = uniform([1, h, w, 3], h * w);
      await expectTwin(conv, x);
      const up = new ConvTranspose2d(3, 4, k, { stride: s, padding });
      await expectTwin(up, x);
      tf.dispose([x]);
      conv.dispose();
      up.dispose();
    }
  });

  it('Sequential with relu and leakyRelu steps; a plain function step is refused by name', async () => {
    const seq = new Sequential([
      new ConvTranspose2d(4, 6, 5, { stride: 2, padding: 'same_zeros' }),
      relu,
      new Conv2d(6, 6, 3, { padding: 'same_zeros' }),
      leakyRelu(0.2),
      new Conv2d(6, 2, 3),
    ]);
    const x = uniform([1, 5, 6, 4], 3, -2, 2);
    await expectTwin(seq, x);
    x.dispose();
    seq.dispose();
    const plain = new Sequential([new Conv2d(2, 2, 1), (t: tf.Tensor) => tf.sigmoid(t)]);
    await expect(plain.exact()).rejects.toThrow(/Sequential step 1 is a function without a deterministic twin/);
    plain.dispose();
  });

  it('SliceTransform and LatentResidualPrediction (tanh twin)', async () => {
    const t = new SliceTransform(6, 3, { hiddenChannels: [5, 4] });
    const x = uniform([1, 7, 9, 6], 4);
    await expectTwin(t, x);
    const lrp = new LatentResidualPrediction(6, 3, { hiddenChannels: [5, 4] });
    const slice = uniform([1, 7, 9, 3], 5, -3, 3);
    const twin = await lrp.exact();
    const y = lrp.call(x, slice);
    expect(relativeError(twin(toMap(x), toMap(slice)), y)).toBeLessThan(2e-5);
    tf.dispose([x, slice, y]);
    t.dispose();
    lrp.dispose();
  });

  it.each(['split', 'unpack', 'merge', 'none'] as const)(
    'SwinStage (%s) on a map that is not a multiple of the window: attention, shift mask, LayerNorm, GELU',
    async (resample) => {
      const stage = new SwinStage(8, { depth: 2, windowSize: 4, headDim: 4, resample, outDim: 6 });
      // Non-zero relative position bias and LayerNorm parameters, so the twins read them.
      for (const [name, v] of stage.namedVariables()) {
        if (name.includes('relative_position_bias_table') || name.endsWith('gamma') || name.endsWith('beta'))
          v.assign(tf.add(v, uniform(v.shape, name.length, -0.5, 0.5)));
      }
      const x = uniform([1, 6, 7, 8], 6, -2, 2);
      await expectTwin(stage, x, 5e-5);
      x.dispose();
      stage.dispose();
    },
  );

  it('PatchMerging of an odd-sized map', async () => {
    const m = new PatchMerging(3, 5);
    const x = uniform([1, 5, 7, 3], 7);
    await expectTwin(m, x);
    x.dispose();
    m.dispose();
  });

  it('is bit-identical whichever TF.js backend holds the weights, and within 1e-5 of a float64-accumulated reference', async () => {
    const seq = new Sequential([
      new ConvTranspose2d(8, 8, 5, { stride: 2, padding: 'same_zeros' }),
      leakyRelu(),
      new ConvTranspose2d(8, 12, 5, { stride: 2, padding: 'same_zeros' }),
      leakyRelu(),
      new Conv2d(12, 24, 3, { padding: 'same_zeros' }),
    ]);
    const z = uniform([1, 4, 6, 8], 11, -3, 3) as tf.Tensor4D;
    const outputs: Float64Array[] = [];
    for (const backend of ['cpu', 'wasm', 'cpu'] as const) {
      await setBackend(backend);
      outputs.push((await seq.exact())(toMap(z)).data);
    }
    await setBackend('cpu');
    expect(Array.from(outputs[1]!)).toEqual(Array.from(outputs[0]!));
    expect(Array.from(outputs[2]!)).toEqual(Array.from(outputs[0]!));
    // Reference: every layer accumulated in float64 (test-helpers), then rounded to float32.
    const [l0, , l1, , l2] = seq.steps as [ConvTranspose2d, unknown, ConvTranspose2d, unknown, Conv2d];
    const ref = tf.tidy(() => {
      const lrelu = (t: tf.Tensor): tf.Tensor4D => tf.leakyRelu(t, 0.01) as tf.Tensor4D;
      const a = lrelu(tf.add(referenceConvTranspose2d(z, l0.kernel as tf.Tensor4D, 2, { top: 2, left: 2 }, [8, 12]), l0.bias!));
      const b = lrelu(tf.add(referenceConvTranspose2d(a, l1.kernel as tf.Tensor4D, 2, { top: 2, left: 2 }, [16, 24]), l1.bias!));
      return tf.add(referenceConv2d(b, l2.kernel as tf.Tensor4D, 1, { top: 1, left: 1 }, [16, 24]), l2.bias!);
    });
    expect(relativeError({ height: 16, width: 24, channels: 24, data: outputs[0]! }, ref)).toBeLessThan(1e-5);
    tf.dispose([z, ref]);
    seq.dispose();
  });
});
