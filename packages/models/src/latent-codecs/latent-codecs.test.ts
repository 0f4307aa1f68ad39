import { ShapeError, setBackend } from '@ncomp/core';
import { Conv2d, Sequential } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FactorizedLatentCodec } from './factorized-latent-codec.js';
import { HyperpriorLatentCodec } from './hyperprior-latent-codec.js';
import type { LatentCodec } from './latent-codec.js';

beforeAll(async () => {
  await setBackend('wasm');
});

const M = 6;
const scaleAt = (i: number): number => Math.exp(Math.log(0.11) + (i * (Math.log(256) - Math.log(0.11))) / 63);

/** A hyperprior whose h_s ignores z and predicts scale index 40 (and mean 0.3): y ~ N(0.3, scaleAt(40)) is then modelled exactly. */
function hyperprior(mean: boolean): HyperpriorLatentCodec {
  const constant = (x: tf.Tensor): tf.Tensor => {
    const [n, h, w] = x.shape as [number, number, number, number];
    const idx = tf.fill([n, h, w, M], 40);
    return mean ? tf.concat([idx, tf.fill([n, h, w, M], 0.3)], 3) : idx;
  };
  const up = (x: tf.Tensor): tf.Tensor => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1]! * 4, x.shape[2]! * 4]);
  return new HyperpriorLatentCodec({
    latentChannels: M,
    hyperChannels: 3,
    hyperAnalysis: new Sequential([new Conv2d(M, 3, 4, { stride: 4, padding: 'valid' })]),
    hyperSynthesis: new Sequential([up, constant]),
    hyperDownsampling: 4,
    mean,
  });
}

const cases: Array<[string, () => LatentCodec, number]> = [
  ['factorized', () => new FactorizedLatentCodec({ channels: M }), 0],
  ['scale hyperprior', () => hyperprior(false), 0],
  ['mean-scale hyperprior', () => hyperprior(true), 0.3],
];

describe.each(cases)('%s latent codec', (_, make, loc) => {
  it('codes within a few percent of the information content and decodes exactly what compress quantized', () => {
    const codec = make();
    codec.update();
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([2, 16, 12, M], 0, 1, 'float32', 5), scaleAt(40)), loc)) as tf.Tensor4D;
    const est = codec.forward(y, false);
    const bits = est.bits.dataSync();
    const { streams, yHat } = codec.compress(y);
    expect(streams.length).toBe(2);
    streams.forEach((s, i) => {
      const real = s.reduce((n, b) => n + b.length, 0) * 8;
      // The factorized prior is untrained (a poor fit, equally so for the estimate and the tables).
      expect(real).toBeGreaterThan(bits[i]! * 0.97);
      expect(real).toBeLessThan(bits[i]! * 1.03 + 64 * s.length + 64);
    });
    const decoded = codec.decompress(streams, [16, 12]);
    expect(Array.from(decoded.dataSync())).toEqual(Array.from(yHat.dataSync()));
    expect(Array.from(decoded.dataSync())).toEqual(Array.from(est.yHat.dataSync()));
    tf.dispose([y, est.yHat, est.bits, yHat, decoded]);
    expect(tf.memory().numTensors).toBe(before);
    codec.dispose();
  });

  it('refuses latents of the wrong shape and stream lists of the wrong length', () => {
    const codec = make();
    const bad = tf.zeros([1, 8, 8, M + 1]) as tf.Tensor4D;
    expect(() => codec.forward(bad, false)).toThrow(ShapeError);
    expect(() => codec.decompress([[new Uint8Array(4), new Uint8Array(4), new Uint8Array(4)]], [8, 8])).toThrow(ShapeError);
    bad.dispose();
    codec.dispose();
  });
});
