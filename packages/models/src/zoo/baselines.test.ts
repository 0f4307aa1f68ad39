import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BaselineConfig } from './baseline-config.js';
import { EGIC_SMALL_CONFIG } from './egic-config.js';
import { HIFIC_SMALL_CONFIG } from './hific.js';
import { MRIC_SMALL_CONFIG } from './mric.js';
import { createModel, MODELS } from './registry.js';

beforeAll(async () => {
  await setBackend('wasm');
});

const small = { N: 8, M: 12 };
/** A small configuration per model (the block transform fixes M = 192 and needs lambdas; the generative codecs have their own fields). */
const OWN: Readonly<Record<string, unknown>> = {
  'block-hyperprior': { N: 4, M: 192, lambdas: [0.005, 0.05] },
  hific: HIFIC_SMALL_CONFIG,
  mric: MRIC_SMALL_CONFIG,
  'egic-orp': EGIC_SMALL_CONFIG,
};
const configOf = (name: string) => (OWN[name] ?? small) as BaselineConfig;

describe.each([...MODELS.keys()])('%s', (name) => {
  it('forward: shapes, finite bits, gradients reach every trainable variable', () => {
    const model = createModel(name, configOf(name));
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(x, { training: true });
      expect(out.xHat.shape).toEqual([2, 64, 64, 3]);
      expect(out.bits.shape).toEqual([2]);
      return tf.add(tf.mean(out.bpp), tf.mul(100, tf.mean(tf.squaredDifference(out.xHat, x)))) as tf.Scalar;
    }, model.trainableVariables());
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    // EGIC's ORP head only runs for alpha < 1 (forward decodes the GAN output, alpha 1); its stage 3 trains it.
    const unusedByForward = (n: string): boolean => name === 'egic-orp' && n.startsWith('orp.');
    const missing = [...model.namedVariables()].filter(([n, v]) => v.trainable && !unusedByForward(n) && !grads[v.name]);
    expect(missing.map(([n]) => n)).toEqual([]);
    tf.dispose([value, x, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('compress -> decompress reproduces the quantized latent exactly, for odd sizes', async () => {
    const model = createModel(name, configOf(name));
    model.update();
    const before = tf.memory().numTensors;
    for (const [h, w] of [
      [37, 50],
      [64, 64],
      [1, 70],
    ] as const) {
      const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', h * w) as tf.Tensor4D;
      const c = await model.compress(x);
      expect(c.paddedHeight % model.padMultiple).toBe(0);
      expect(c.streams.length).toBe(model.streamNames.length);
      const a = await model.decompress(c);
      const b = await model.decompress({ ...c, streams: c.streams.map((s) => s.slice()) });
      expect(a.shape).toEqual([1, h, w, 3]);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      const [min, max] = tf.tidy(() => [tf.min(a).dataSync()[0]!, tf.max(a).dataSync()[0]!]);
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThanOrEqual(1);
      // decompressAt([undefined]) is decompress; without a decode-time control any value is refused.
      const [viaAt] = await model.decompressAt(c, [undefined]);
      expect(Array.from(viaAt!.dataSync())).toEqual(Array.from(a.dataSync()));
      if (model.decodeControl === undefined) await expect(model.decompress(c, 1)).rejects.toThrow(/no decode-time control/);
      tf.dispose([x, a, b, viaAt!]);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('baseline configuration "prior"', () => {
  it('accepts normal, laplace and logistic, and names the choices otherwise', () => {
    const entry = MODELS.get('mbt2018-mean')!;
    expect(entry.parseConfig({ N: 8, M: 12, prior: 'laplace' })).toEqual({ N: 8, M: 12, prior: 'laplace' });
    expect(entry.parseConfig({ N: 8, M: 12 })).toEqual({ N: 8, M: 12 });
    expect(() => entry.parseConfig({ N: 8, M: 12, prior: 'cauchy' })).toThrow(/prior must be one of normal, laplace, logistic, found "cauchy"/);
    expect((MODELS.get('block-hyperprior')!.defaultConfig as BaselineConfig).prior).toBe('laplace');
  });
});
