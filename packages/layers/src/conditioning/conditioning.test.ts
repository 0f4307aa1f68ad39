import { InvalidArgumentError, setBackend, ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense } from '../dense/dense.js';
import { checkGradients, expectClose, expectNoLeak, expectStateDictRoundTrip, take, uniform, variableOf } from '../test-helpers.js';
import { ConditionalElicSynthesis } from './conditional-elic-synthesis.js';
import { ConditionalResidualBlock } from './conditional-residual-block.js';
import { ConditioningMlp } from './conditioning-mlp.js';
import { fourierFeatures } from './fourier-features.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function setTo(v: tf.Variable, value: tf.Tensor): void {
  v.assign(value);
  value.dispose();
}

describe('fourierFeatures', () => {
  it('gives [beta, sin(2^k beta), cos(2^k beta)] for k = 0..9 (21 values, MRIC order)', () => {
    expectNoLeak(() => {
      const betas = [0, 0.7, 2.56, 5.12];
      const f = fourierFeatures(betas);
      expect(f.shape).toEqual([4, 21]);
      const expected = betas.flatMap((b) => [b, ...Array.from({ length: 10 }, (_, k) => [Math.sin(2 ** k * b), Math.cos(2 ** k * b)]).flat()]);
      expectClose(take(f), expected, 2e-4, 0);
      const column = tf.tensor2d(betas, [4, 1]);
      const flat = tf.tensor1d(betas);
      expect(take(fourierFeatures(column))).toEqual(take(fourierFeatures(flat)));
      expect(take(fourierFeatures([1.5], 0))).toEqual([1.5]);
      expect(take(fourierFeatures([1], 3))).toHaveLength(7);
      const bad = tf.zeros([2, 2]);
      expect(() => fourierFeatures(bad)).toThrow(ShapeError);
      expect(() => fourierFeatures(['a'] as never)).toThrow(InvalidArgumentError);
      expect(() => fourierFeatures([1], -1)).toThrow(InvalidArgumentError);
      tf.dispose([column, flat, bad]);
    });
  });
});

describe('Dense', () => {
  it('computes x K + b on the last axis of any rank, with finite-difference gradients', () => {
    expectNoLeak(() => {
      const d = new Dense(3, 2);
      expect(d.kernel.shape).toEqual([3, 2]);
      setTo(
        d.kernel,
        tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
      );
      setTo(d.bias!, tf.tensor1d([0.5, -0.5]));
      const x = tf.tensor3d([[[1, 0, -1]], [[2, 1, 0]]]);
      const y = d.call(x);
      expect(y.shape).toEqual([2, 1, 2]);
      expect(take(y)).toEqual([-4 + 0.5, -4 - 0.5, 5 + 0.5, 8 - 0.5]);
      const v = variableOf(uniform([4, 3], 1));
      const r = uniform([4, 2], 2);
      checkGradients(() => tf.sum(tf.mul(d.call(v), r)) as tf.Scalar, [v, d.kernel, d.bias!]);
      expect(() => d.call(r)).toThrow(ShapeError);
      tf.dispose([x, v, r]);
      d.dispose();
      const noBias = new Dense(2, 2, { useBias: false });
      expect([...noBias.namedVariables().keys()]).toEqual(['kernel']);
      noBias.dispose();
    });
  });
});

describe('ConditioningMlp', () => {
  it('computes relu(fc2(relu(fc1(x)))) from 21 to 512 features by default', () => {
    expectNoLeak(() => {
      const mlp = new ConditioningMlp();
      expect(mlp.fc1.kernel.shape).toEqual([21, 512]);
      expect(mlp.fc2.kernel.shape).toEqual([512, 512]);
      mlp.dispose();
      const small = new ConditioningMlp({ features: 8 });
      setTo(small.fc1.bias!, uniform([8], 3));
      const f = fourierFeatures([0.1, 3]);
      const manual = tf.tidy(() =>
        tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(f, small.fc1.kernel), small.fc1.bias!)), small.fc2.kernel), small.fc2.bias!)),
      );
      const y = small.call(f);
      expect(y.shape).toEqual([2, 8]);
      expectClose(take(y), take(manual), 1e-6, 1e-6);
      f.dispose();
      small.dispose();
    });
  });
});

describe('ConditionalResidualBlock', () => {
  it('adds the projected features after each activation: with zero convolutions the output is x + P3 f', () => {
    expectNoLeak(() => {
      const crb = new ConditionalResidualBlock(4, 3);
      expect([...crb.namedVariables().entries()].map(([k, v]) => `${k}:${v.shape.join('x')}`)).toEqual([
        'conv1.kernel:1x1x4x2',
        'conv1.bias:2',
        'proj1.kernel:3x2',
        'conv2.kernel:3x3x2x2',
        'conv2.bias:2',
        'proj2.kernel:3x2',
        'conv3.kernel:1x1x2x4',
        'conv3.bias:4',
        'proj3.kernel:3x4',
      ]);
      const x = uniform([2, 5, 7, 4], 4);
      const f = uniform([2, 3], 5);
      // General case against the formula.
      const manual = tf.tidy(() => {
        const shift = (d: Dense): tf.Tensor => tf.reshape(d.call(f), [2, 1, 1, -1]);
        const h1 = tf.add(tf.relu(crb.conv1.call(x)), shift(crb.proj1));
        const h2 = tf.add(tf.relu(crb.conv2.call(h1)), shift(crb.proj2));
        return tf.add(x, tf.add(crb.conv3.call(h2), shift(crb.proj3)));
      });
      const y = crb.call(x, f);
      expect(y.shape).toEqual([2, 5, 7, 4]);
      expectClose(take(y), take(manual), 1e-6, 1e-6);
      // Zero convolutions: x + P3 f, the same shift at every pixel of an example.
      for (const conv of [crb.conv1, crb.conv2, crb.conv3]) {
        setTo(conv.kernel, tf.zerosLike(conv.kernel));
        setTo(conv.bias!, tf.zerosLike(conv.bias!));
      }
      const expected = tf.tidy(() => tf.add(x, tf.reshape(tf.matMul(f, crb.proj3.kernel), [2, 1, 1, 4])));
      expectClose(take(crb.call(x, f)), take(expected), 1e-6, 1e-6);
      const wrongBatch = uniform([3, 3], 6);
      const wrongWidth = uniform([2, 4], 7);
      expect(() => crb.call(x, wrongBatch)).toThrow(ShapeError);
      expect(() => crb.call(x, wrongWidth)).toThrow(ShapeError);
      tf.dispose([x, f, wrongBatch, wrongWidth]);
      crb.dispose();
    });
  });
});

describe('ConditionalElicSynthesis', () => {
  it('maps h x w to 16h x 16w, depends on beta through f, and round-trips its state dict', () => {
    expectNoLeak(() => {
      const gs = new ConditionalElicSynthesis({ latentChannels: 6, channels: [4, 4, 4, 3], numResidualBlocks: 1, featureChannels: 8 });
      expect([...gs.children().keys()]).toEqual(['attention0', 'conv0', 'crb0_0', 'conv1', 'attention1', 'crb1_0', 'conv2', 'crb2_0', 'conv3']);
      const mlp = new ConditioningMlp({ features: 8 });
      const y = tf.tidy(() => tf.tile(uniform([1, 1, 2, 6], 8), [2, 1, 1, 1]));
      const same = tf.tidy(() => mlp.call(fourierFeatures([1.28, 1.28])));
      const differ = tf.tidy(() => mlp.call(fourierFeatures([0, 2.56])));
      const a = gs.call(y, same);
      expect(a.shape).toEqual([2, 16, 32, 3]);
      const b = gs.call(y, differ);
      // Same latent for both examples: equal images under equal beta, different otherwise.
      const [a0, a1] = tf.split(a, 2);
      const [b0, b1] = tf.split(b, 2);
      expect(take(a0!)).toEqual(take(a1!));
      expect(take(b0!)).not.toEqual(take(b1!));
      tf.dispose([a, b, y, same, differ]);
      gs.dispose();
      mlp.dispose();
    });
    expectStateDictRoundTrip(
      () => new ConditionalElicSynthesis({ latentChannels: 2, channels: [2, 2, 2, 3], numResidualBlocks: 1, featureChannels: 4 }),
      (m) => tf.tidy(() => m.call(uniform([1, 1, 1, 2], 9), uniform([1, 4], 10))),
    );
  });
});
