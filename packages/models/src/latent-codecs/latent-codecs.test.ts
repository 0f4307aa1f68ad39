import { ShapeError, exactMap, setBackend, type ExactMap } from '@ncomp/core';
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
  // Function steps with deterministic twins (an `exact` property), as entropy-parameter paths need.
  const constant = Object.assign(
    (x: tf.Tensor): tf.Tensor => {
      const [n, h, w] = x.shape as [number, number, number, number];
      const idx = tf.fill([n, h, w, M], 40);
      return mean ? tf.concat([idx, tf.fill([n, h, w, M], 0.3)], 3) : idx;
    },
    {
      exact: (x: ExactMap): ExactMap => {
        const c = mean ? 2 * M : M;
        const out = exactMap(x.height, x.width, c);
        for (let k = 0; k < out.data.length; k++) out.data[k] = k % c < M ? 40 : 0.3;
        return out;
      },
    },
  );
  const up = Object.assign((x: tf.Tensor): tf.Tensor => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1]! * 4, x.shape[2]! * 4]), {
    exact: (x: ExactMap): ExactMap => {
      const out = exactMap(x.height * 4, x.width * 4, x.channels);
      for (let r = 0; r < out.height; r++) {
        for (let c = 0; c < out.width; c++)
          out.data.set(
            x.data.subarray(((r >> 2) * x.width + (c >> 2)) * x.channels, ((r >> 2) * x.width + (c >> 2) + 1) * x.channels),
            (r * out.width + c) * x.channels,
          );
      }
      return out;
    },
  });
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
  it('codes within a few percent of the information content and decodes exactly what compress quantized', async () => {
    const codec = make();
    codec.update();
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([2, 16, 12, M], 0, 1, 'float32', 5), scaleAt(40)), loc)) as tf.Tensor4D;
    const est = codec.forward(y, false);
    const bits = est.bits.dataSync();
    const { streams, yHat } = await codec.compress(y);
    expect(streams.length).toBe(2);
    streams.forEach((s, i) => {
      const real = s.reduce((n, b) => n + b.length, 0) * 8;
      // The factorized prior is untrained (a poor fit, equally so for the estimate and the tables).
      expect(real).toBeGreaterThan(bits[i]! * 0.97);
      expect(real).toBeLessThan(bits[i]! * 1.03 + 64 * s.length + 64);
    });
    const decoded = await codec.decompress(streams, [16, 12]);
    expect(Array.from(decoded.dataSync())).toEqual(Array.from(yHat.dataSync()));
    // forward()'s quantization runs on the backend (float32), the coding path in float64: equal within float32 rounding.
    const a = decoded.dataSync();
    const e = est.yHat.dataSync();
    for (let k = 0; k < a.length; k++) expect(Math.abs(a[k]! - e[k]!)).toBeLessThan(1e-5);
    tf.dispose([y, est.yHat, est.bits, yHat, decoded]);
    expect(tf.memory().numTensors).toBe(before);
    codec.dispose();
  });

  it('refuses latents of the wrong shape and stream lists of the wrong length', async () => {
    const codec = make();
    const bad = tf.zeros([1, 8, 8, M + 1]) as tf.Tensor4D;
    expect(() => codec.forward(bad, false)).toThrow(ShapeError);
    await expect(codec.decompress([[new Uint8Array(4), new Uint8Array(4), new Uint8Array(4)]], [8, 8])).rejects.toThrow(ShapeError);
    bad.dispose();
    codec.dispose();
  });
});

describe('HyperpriorLatentCodec options', () => {
  const make = (options: { synthesisInput?: 'noisy' | 'rounded'; family?: 'normal' | 'laplace' }): HyperpriorLatentCodec =>
    new HyperpriorLatentCodec({
      latentChannels: M,
      hyperChannels: 3,
      hyperAnalysis: new Sequential([new Conv2d(M, 3, 4, { stride: 4, padding: 'valid' })]),
      // Means and scales that do not depend on (noisy or quantized) z.
      hyperSynthesis: new Sequential([
        (x: tf.Tensor) => {
          const [n, h, w] = x.shape as [number, number, number, number];
          return tf.concat([tf.fill([n, h * 4, w * 4, M], 30), tf.fill([n, h * 4, w * 4, M], 0.3)], 3);
        },
      ]),
      hyperDownsampling: 4,
      mean: true,
      ...options,
    });

  it("synthesisInput 'rounded' trains the synthesis on round(y - mean) + mean with a straight-through gradient", () => {
    const codec = make({ synthesisInput: 'rounded' });
    const noisy = make({});
    // Warm both up (a first call may build and keep constant tensors).
    tf.tidy(() => {
      codec.forward(tf.zeros([1, 8, 8, M]), true);
    });
    tf.tidy(() => {
      noisy.forward(tf.zeros([1, 8, 8, M]), true);
    });
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.mul(tf.randomNormal([1, 8, 8, M], 0, 1, 'float32', 3), 3)) as tf.Tensor4D;
    const out = codec.forward(y, true);
    const evalOut = codec.forward(y, false);
    // Training and evaluation now give the decoder the same (rounded) values.
    expect(Array.from(out.yHat.dataSync())).toEqual(Array.from(evalOut.yHat.dataSync()));
    // TFC's default passes the noisy latent: not a rounding of y around the same means.
    const n = noisy.forward(y, true);
    const rounded = noisy.forward(y, false);
    expect(Array.from(n.yHat.dataSync())).not.toEqual(Array.from(rounded.yHat.dataSync()));
    // The gradient of sum(yHat) w.r.t. y is 1 everywhere (straight through).
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(codec.forward(t as tf.Tensor4D, true).yHat))(y));
    expect(Array.from(g.dataSync()).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    tf.dispose([y, out.yHat, out.bits, evalOut.yHat, evalOut.bits, n.yHat, n.bits, rounded.yHat, rounded.bits, g]);
    expect(tf.memory().numTensors).toBe(before);
    codec.dispose();
    noisy.dispose();
  });

  it('codes under the chosen family (Laplace bits equal the closed form), and refuses an unknown synthesisInput', () => {
    const constant = (x: tf.Tensor): tf.Tensor => {
      const [n, h, w] = x.shape as [number, number, number, number];
      return tf.concat([tf.fill([n, h * 4, w * 4, M], 40), tf.fill([n, h * 4, w * 4, M], 0.3)], 3);
    };
    const codec = new HyperpriorLatentCodec({
      latentChannels: M,
      hyperChannels: 3,
      hyperAnalysis: new Sequential([new Conv2d(M, 3, 4, { stride: 4, padding: 'valid' })]),
      hyperSynthesis: new Sequential([constant]),
      hyperDownsampling: 4,
      mean: true,
      family: 'laplace',
    });
    const b = scaleAt(40);
    const y = tf.add(tf.mul(tf.randomNormal([1, 8, 8, M], 0, 1, 'float32', 4), 2 * b), 0.3) as tf.Tensor4D;
    const out = codec.forward(y, false);
    const zBits = codec.hyperBottleneck.call(tf.tidy(() => codec.hyperAnalysis.call(y)) as tf.Tensor4D, false);
    const cdf = (x: number): number => (x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b));
    let expected = 0;
    for (const v of y.dataSync()) {
      const k = Math.round(v - 0.3);
      expected -= Math.log2(cdf(k + 0.5) - cdf(k - 0.5));
    }
    const got = out.bits.dataSync()[0]! - zBits.bits.dataSync()[0]!;
    expect(Math.abs(got - expected) / expected).toBeLessThan(1e-3);
    tf.dispose([y, out.yHat, out.bits, zBits.values, zBits.bits]);
    codec.dispose();
    expect(() => make({ synthesisInput: 'rounding' as never })).toThrow(/synthesisInput must be "noisy" or "rounded"/);
  });
});
