import { InvalidArgumentError, setBackend, ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, expectStateDictRoundTrip, take, uniform } from '../test-helpers.js';
import { CharmTransforms } from './charm-transforms.js';
import { LatentResidualPrediction } from './latent-residual-prediction.js';
import { SliceTransform } from './slice-transform.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('SliceTransform', () => {
  it('is conv5x5 224 -> ReLU -> conv5x5 128 -> ReLU -> conv3x3 by default, shape-preserving on 17x23', () => {
    expectNoLeak(() => {
      const full = new SliceTransform(352, 32);
      expect([...full.namedVariables().entries()].filter(([k]) => k.endsWith('kernel')).map(([, v]) => v.shape)).toEqual([
        [5, 5, 352, 224],
        [5, 5, 224, 128],
        [3, 3, 128, 32],
      ]);
      expect(full.reach).toBe(5); // rows read beyond its own: 2 + 2 + 1
      full.dispose();
      const t = new SliceTransform(3, 2, { hiddenChannels: [4, 5] });
      const x = uniform([2, 17, 23, 3], 1);
      const manual = tf.tidy(() => t.convs[2]!.call(tf.relu(t.convs[1]!.call(tf.relu(t.convs[0]!.call(x))))));
      const y = t.call(x);
      expect(y.shape).toEqual([2, 17, 23, 2]);
      expect(take(y)).toEqual(take(manual));
      x.dispose();
      t.dispose();
      const egic = new SliceTransform(3, 2, { hiddenChannels: [6, 4], kernelSizes: [3, 3, 3] });
      expect(egic.convs.map((c) => c.kernelSize[0])).toEqual([3, 3, 3]);
      expect(egic.reach).toBe(3);
      egic.dispose();
      expect(() => new SliceTransform(3, 2, { kernelSizes: [5, 3] })).toThrow(InvalidArgumentError);
    });
  });
});

describe('LatentResidualPrediction', () => {
  it('adds 0.5 tanh(T(concat(support, slice))), a correction within half a bin', () => {
    expectNoLeak(() => {
      const lrp = new LatentResidualPrediction(3, 2, { hiddenChannels: [4, 4] });
      expect(lrp.transform.inputChannels).toBe(5);
      // Large kernels so that tanh saturates somewhere: the bound must still hold.
      const k = lrp.transform.convs[2]!.kernel;
      const big = tf.tidy(() => tf.mul(k, 50));
      k.assign(big);
      big.dispose();
      const support = uniform([1, 6, 5, 3], 2, -3, 3);
      const slice = tf.tidy(() => tf.round(uniform([1, 6, 5, 2], 3, -4, 4)));
      const out = lrp.call(support, slice);
      const manual = tf.tidy(() => tf.add(slice, tf.mul(0.5, tf.tanh(lrp.transform.call(tf.concat([support, slice], 3))))));
      const correction = take(tf.tidy(() => tf.sub(out, slice)));
      expect(Math.max(...correction.map(Math.abs))).toBeLessThanOrEqual(0.5);
      expect(Math.max(...correction.map(Math.abs))).toBeGreaterThan(0.4);
      expectClose(take(out), take(manual), 1e-6, 1e-6);
      const mismatched = uniform([1, 5, 5, 2], 4);
      expect(() => lrp.call(support, mismatched)).toThrow(ShapeError);
      tf.dispose([support, slice, mismatched]);
      lrp.dispose();
    });
  });
});

describe('CharmTransforms', () => {
  const options = { latentChannels: 8, numSlices: 4, maxSupportSlices: 2, hyperMeanChannels: 6, hyperScaleChannels: 5, hiddenChannels: [4, 3] };

  it('conditions slice i on the hyper features and the first min(i, maxSupportSlices) decoded slices', () => {
    expectNoLeak(() => {
      const charm = new CharmTransforms(options);
      expect(charm.sliceChannels).toBe(2);
      expect([0, 1, 2, 3].map((i) => charm.supportSlices(i))).toEqual([0, 1, 2, 2]);
      const inChannels = (prefix: string): number[] =>
        [0, 1, 2, 3].map((i) => charm.namedVariables().get(`${prefix}${i}${prefix === 'lrp' ? '.transform' : ''}.conv0.kernel`)!.shape[2]!);
      expect(inChannels('mean')).toEqual([6, 8, 10, 10]);
      expect(inChannels('scale')).toEqual([5, 7, 9, 9]);
      expect(inChannels('lrp')).toEqual([8, 10, 12, 12]);
      const all = new CharmTransforms({ ...options, maxSupportSlices: -1 });
      expect([0, 1, 2, 3].map((i) => all.supportSlices(i))).toEqual([0, 1, 2, 3]);
      expect(all.meanTransforms[3]!.inputChannels).toBe(12);
      all.dispose();
      charm.dispose();
    });
  });

  it('runs a ChARM decoding loop on 17x23 with the documented inputs of each transform', () => {
    expectNoLeak(() => {
      const charm = new CharmTransforms(options);
      const hyperMeans = uniform([1, 17, 23, 6], 1);
      const hyperScales = uniform([1, 17, 23, 5], 2);
      const y = uniform([1, 17, 23, 8], 3, -5, 5);
      const slices = tf.split(y, 4, 3);
      const decoded: tf.Tensor[] = [];
      for (let i = 0; i < 4; i++) {
        const mu = charm.mean(i, hyperMeans, decoded);
        const sigma = charm.scale(i, hyperScales, decoded);
        expect(mu.shape).toEqual([1, 17, 23, 2]);
        expect(sigma.shape).toEqual([1, 17, 23, 2]);
        const support = decoded.slice(0, charm.supportSlices(i));
        const meanSupport = tf.concat([hyperMeans, ...support], 3);
        expect(take(tf.clone(mu))).toEqual(take(charm.meanTransforms[i]!.call(meanSupport)));
        const yHat = tf.tidy(() => tf.add(tf.round(tf.sub(slices[i]!, mu)), mu));
        const corrected = charm.latentResidual(i, hyperMeans, decoded, yHat);
        expect(take(tf.clone(corrected))).toEqual(take(charm.lrpTransforms[i]!.call(meanSupport, yHat)));
        decoded.push(corrected);
        tf.dispose([mu, sigma, yHat, meanSupport]);
      }
      expect(() => charm.mean(3, hyperMeans, decoded.slice(0, 1))).toThrow(ShapeError);
      expect(() => charm.mean(4, hyperMeans, decoded)).toThrow(InvalidArgumentError);
      expect(() => charm.scale(0, hyperMeans, [])).toThrow(ShapeError);
      const cropped = uniform([1, 16, 23, 2], 9);
      expect(() => charm.mean(1, hyperMeans, [cropped])).toThrow(ShapeError);
      cropped.dispose();
      tf.dispose([hyperMeans, hyperScales, y, ...slices, ...decoded]);
      charm.dispose();
    });
  });

  it('supports per-slice widths and no LRP (EGIC), and refuses slices that do not divide the latent', () => {
    expectNoLeak(() => {
      const widths = [
        [6, 3],
        [7, 4],
      ];
      const egic = new CharmTransforms({
        latentChannels: 4,
        numSlices: 2,
        hiddenChannels: (i) => widths[i]!,
        kernelSizes: [3, 3, 3],
        latentResidualPrediction: false,
      });
      expect(egic.lrpTransforms).toHaveLength(0);
      expect(egic.reach(1)).toBe(3);
      expect(egic.meanTransforms[1]!.convs.map((c) => c.outChannels)).toEqual([7, 4, 2]);
      const hyper = uniform([1, 3, 3, 4], 1);
      const slice = uniform([1, 3, 3, 2], 2);
      expect(() => egic.latentResidual(0, hyper, [], slice)).toThrow(InvalidArgumentError);
      tf.dispose([hyper, slice]);
      egic.dispose();
      expect(() => new CharmTransforms({ latentChannels: 10, numSlices: 4 })).toThrow(InvalidArgumentError);
    });
    expectStateDictRoundTrip(
      () => new CharmTransforms({ latentChannels: 4, numSlices: 2, hiddenChannels: [3, 3] }),
      (m) => tf.tidy(() => m.latentResidual(1, uniform([1, 4, 4, 4], 1), [uniform([1, 4, 4, 2], 2)], uniform([1, 4, 4, 2], 3))),
    );
  });
});
