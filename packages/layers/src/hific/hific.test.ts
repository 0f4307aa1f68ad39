import { InvalidArgumentError, setBackend, ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradients, expectClose, expectNoLeak, expectStateDictRoundTrip, take, uniform, variableOf } from '../test-helpers.js';
import { ChannelNorm } from './channel-norm.js';
import { HificEncoder } from './hific-encoder.js';
import { HificGenerator } from './hific-generator.js';
import { HificResidualBlock } from './hific-residual-block.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Per-pixel mean and unbiased variance over the last axis, in double precision. */
function moments(values: number[], channels: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = 0; p < values.length; p += channels) {
    const px = values.slice(p, p + channels);
    const mean = px.reduce((a, b) => a + b, 0) / channels;
    out.push([mean, px.reduce((a, b) => a + (b - mean) ** 2, 0) / (channels - 1)]);
  }
  return out;
}

describe('ChannelNorm', () => {
  it('at initialisation gives every pixel mean 0 and unbiased variance v / (v + 1e-3) over channels', () => {
    expectNoLeak(() => {
      const cn = new ChannelNorm(6);
      expect([...cn.namedVariables().keys()]).toEqual(['gamma', 'beta']);
      for (const scale of [10, 0.05]) {
        const x = tf.tidy(() => tf.add(tf.mul(uniform([2, 5, 7, 6], 1), scale), uniform([2, 5, 7, 1], 2, -3, 3)));
        const inputMoments = moments(Array.from(x.dataSync()), 6);
        const y = cn.call(x);
        expect(y.shape).toEqual([2, 5, 7, 6]);
        moments(take(y), 6).forEach(([mean, variance], p) => {
          const v = inputMoments[p]![1];
          expect(Math.abs(mean)).toBeLessThan(1e-5);
          expect(variance).toBeCloseTo(v / (v + 1e-3), 4);
        });
        x.dispose();
      }
      cn.dispose();
    });
  });

  it('applies gamma and beta per channel, on any rank', () => {
    expectNoLeak(() => {
      const cn = new ChannelNorm(2, { epsilon: 0.5 });
      const g = tf.tensor1d([2, 3]);
      const b = tf.tensor1d([-1, 1]);
      cn.gamma.assign(g);
      cn.beta.assign(b);
      // Pixel [1, 3]: mean 2, unbiased variance 2, normalized -+1/sqrt(2.5).
      const x = tf.tensor2d([[1, 3]]);
      const n = 1 / Math.sqrt(2.5);
      expectClose(take(cn.call(x)), [-2 * n - 1, 3 * n + 1], 1e-6, 1e-6);
      const bad = tf.zeros([2, 3]);
      expect(() => cn.call(bad)).toThrow(ShapeError);
      tf.dispose([g, b, x, bad]);
      cn.dispose();
      expect(() => new ChannelNorm(1)).toThrow(InvalidArgumentError);
      expect(() => new ChannelNorm(4, { epsilon: 0 })).toThrow(InvalidArgumentError);
    });
  });

  it('has gradients equal to finite differences (input, gamma, beta)', () => {
    expectNoLeak(() => {
      const cn = new ChannelNorm(4);
      const g = uniform([4], 3, 0.5, 2);
      const b = uniform([4], 4);
      cn.gamma.assign(g);
      cn.beta.assign(b);
      const x = variableOf(uniform([1, 2, 3, 4], 5, -2, 2));
      const r = uniform([1, 2, 3, 4], 6);
      checkGradients(() => tf.sum(tf.mul(cn.call(x), r)) as tf.Scalar, [x, cn.gamma, cn.beta]);
      tf.dispose([g, b, x, r]);
      cn.dispose();
    });
  });
});

describe('HiFiC blocks', () => {
  it('HificResidualBlock computes x + CN(conv(relu(CN(conv(x))))) on 17x23', () => {
    expectNoLeak(() => {
      const rb = new HificResidualBlock(4);
      expect([...rb.children().keys()]).toEqual(['conv1', 'norm1', 'conv2', 'norm2']);
      const x = uniform([1, 17, 23, 4], 7);
      const manual = tf.tidy(() => tf.add(x, rb.norm2.call(rb.conv2.call(tf.relu(rb.norm1.call(rb.conv1.call(x)))))));
      const y = rb.call(x);
      expect(y.shape).toEqual([1, 17, 23, 4]);
      expect(take(y)).toEqual(take(manual));
      x.dispose();
      rb.dispose();
    });
  });

  it('HificEncoder maps 17x23 to ceil(H / 2^numDown) with widths b * 2^i', () => {
    expectNoLeak(() => {
      const enc = new HificEncoder({ baseChannels: 2, latentChannels: 5 });
      const shapes = [...enc.namedVariables().entries()].filter(([k]) => k.endsWith('kernel')).map(([k, v]) => `${k}:${v.shape.join('x')}`);
      expect(shapes).toEqual([
        'conv0.kernel:7x7x3x2',
        'conv1.kernel:3x3x2x4',
        'conv2.kernel:3x3x4x8',
        'conv3.kernel:3x3x8x16',
        'conv4.kernel:3x3x16x32',
        'conv5.kernel:3x3x32x5',
      ]);
      const x = uniform([2, 17, 23, 3], 8, 0, 1);
      const y = enc.call(x);
      expect(y.shape).toEqual([2, 2, 2, 5]);
      const shallow = new HificEncoder({ baseChannels: 2, latentChannels: 5, numDown: 2 });
      const y2 = shallow.call(x);
      expect(y2.shape).toEqual([2, 5, 6, 5]);
      tf.dispose([x, y, y2]);
      enc.dispose();
      shallow.dispose();
    });
  });

  it('HificGenerator maps h x w to h * 2^numUp with a skip over the residual trunk', () => {
    expectNoLeak(() => {
      const gen = new HificGenerator({ latentChannels: 5, baseChannels: 2, numResidualBlocks: 2 });
      expect([...gen.children().keys()]).toEqual([
        'headNorm0',
        'headConv',
        'headNorm1',
        'res0',
        'res1',
        'up0',
        'upNorm0',
        'up1',
        'upNorm1',
        'up2',
        'upNorm2',
        'up3',
        'upNorm3',
        'convOut',
      ]);
      expect(gen.namedVariables().get('headConv.kernel')!.shape).toEqual([3, 3, 5, 32]);
      expect(gen.namedVariables().get('up0.kernel')!.shape).toEqual([3, 3, 16, 32]);
      expect(gen.namedVariables().get('convOut.kernel')!.shape).toEqual([7, 7, 2, 3]);
      const y = uniform([1, 2, 3, 5], 9);
      const x = gen.call(y);
      expect(x.shape).toEqual([1, 32, 48, 3]);
      // With both trunk blocks' last norms at gamma = beta = 0 the blocks are identities and
      // the trunk output is head + head (the global skip): compare with the layers applied by hand.
      for (const k of ['res0.norm2.gamma', 'res0.norm2.beta', 'res1.norm2.gamma', 'res1.norm2.beta']) {
        const v = gen.namedVariables().get(k)!;
        const z = tf.zerosLike(v);
        v.assign(z);
        z.dispose();
      }
      const layer = (name: string): ((t: tf.Tensor) => tf.Tensor) => {
        const m = gen.children().get(name) as unknown as { call(t: tf.Tensor): tf.Tensor };
        return (t) => m.call(t);
      };
      const manual = tf.tidy(() => {
        const head = ['headNorm0', 'headConv', 'headNorm1'].reduce((h, n) => layer(n)(h), y as tf.Tensor);
        let h = tf.add(head, head);
        for (let i = 0; i < 4; i++) h = tf.relu(layer(`upNorm${i}`)(layer(`up${i}`)(h)));
        return layer('convOut')(h);
      });
      expectClose(take(gen.call(y)), take(manual), 1e-5, 1e-4);
      tf.dispose([x, y]);
      gen.dispose();
    });
  });

  it('round-trips the encoder and generator state dicts', () => {
    expectStateDictRoundTrip(
      () => new HificEncoder({ baseChannels: 2, latentChannels: 3, numDown: 2 }),
      (m) => tf.tidy(() => m.call(uniform([1, 8, 8, 3], 10))),
    );
    expectStateDictRoundTrip(
      () => new HificGenerator({ latentChannels: 3, baseChannels: 2, numUp: 2, numResidualBlocks: 1 }),
      (m) => tf.tidy(() => m.call(uniform([1, 2, 2, 3], 11))),
    );
  });
});
