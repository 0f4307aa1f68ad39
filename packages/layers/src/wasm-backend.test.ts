// The wasm backend is the default on a fresh machine: check the forward passes there too
// (its own file, so its own process and backend), on two XNNPACK threads (TF.js's threaded
// SIMD build on worker_threads), whatever the machine's core count: the default.
import { describeBackend, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d } from './conv/conv2d.js';
import { ConvTranspose2d } from './conv/conv-transpose2d.js';
import { ElicAnalysis } from './elic/elic-analysis.js';
import { GDN } from './gdn/gdn.js';
import { loadGdnWeights } from './gdn/load-gdn-weights.js';
import { ChannelNorm } from './hific/channel-norm.js';
import { SwinStage } from './swin/swin-stage.js';
import { expectClose, expectNoLeak, referenceConv2d, referenceConvTranspose2d, take, uniform } from './test-helpers.js';

beforeAll(async () => {
  await setBackend('wasm', { wasmThreads: 2 });
});

describe('layers on the wasm backend', () => {
  it('runs on wasm, threaded', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(describeBackend().wasm).toEqual({ simd: true, multithreaded: true, threads: 2 });
  });

  it('Conv2d and ConvTranspose2d on tensors large enough to be split between the threads match plain loops', () => {
    expectNoLeak(() => {
      const x = uniform([2, 36, 52, 24], 7);
      const conv = new Conv2d(24, 32, 5, { stride: 2, padding: 'same_zeros', useBias: false });
      const want = referenceConv2d(x as tf.Tensor4D, conv.kernel as tf.Tensor4D, 2, { top: 2, left: 2 }, [18, 26]);
      expectClose(take(conv.call(x)), take(want), 1e-4, 1e-4);
      const up = new ConvTranspose2d(24, 16, 5, { stride: 2, padding: 'same_zeros', useBias: false });
      const wantUp = referenceConvTranspose2d(x as tf.Tensor4D, up.kernel as tf.Tensor4D, 2, { top: 2, left: 2 }, [72, 104]);
      expectClose(take(up.call(x)), take(wantUp), 1e-4, 1e-4);
      tf.dispose([x, want, wantUp]);
      conv.dispose();
      up.dispose();
    });
  });

  it.each(['same', 'same_zeros'] as const)('Conv2d and ConvTranspose2d follow the %s grid', (padding) => {
    expectNoLeak(() => {
      const x = uniform([1, 6, 7, 2], 1);
      const conv = new Conv2d(2, 3, 5, { stride: 2, padding, useBias: false });
      const top = (h: number): number => (padding === 'same_zeros' ? 2 : Math.floor(Math.max((Math.ceil(h / 2) - 1) * 2 + 5 - h, 0) / 2));
      const want = referenceConv2d(x as tf.Tensor4D, conv.kernel as tf.Tensor4D, 2, { top: top(6), left: top(7) }, [3, 4]);
      expectClose(take(conv.call(x)), take(want), 1e-5, 1e-5);
      const up = new ConvTranspose2d(2, 3, 5, { stride: 2, padding, useBias: false });
      const upTop = padding === 'same_zeros' ? 2 : 1;
      const wantUp = referenceConvTranspose2d(x as tf.Tensor4D, up.kernel as tf.Tensor4D, 2, { top: upTop, left: upTop }, [12, 14]);
      expectClose(take(up.call(x)), take(wantUp), 1e-5, 1e-5);
      x.dispose();
      conv.dispose();
      up.dispose();
    });
  });

  it('GDN, ChannelNorm and the ELIC analysis give the closed forms and shapes', () => {
    expectNoLeak(() => {
      const gdn = new GDN(1);
      const beta = tf.tensor1d([2]);
      const gamma = tf.tensor2d([[0.5]]);
      loadGdnWeights(gdn, { beta, gamma }, { source: 'tfc', storage: 'effective' });
      const xs = [-3, -1, 0, 0.5, 3];
      const x = tf.tensor4d(xs, [1, 1, 5, 1]);
      expectClose(
        take(gdn.call(x)),
        xs.map((v) => v / Math.sqrt(2 + 0.5 * v * v)),
        1e-6,
        1e-6,
      );
      const cn = new ChannelNorm(2);
      const pair = tf.tensor2d([[1, 3]]);
      expectClose(
        take(cn.call(pair)),
        [-1, 1].map((s) => s / Math.sqrt(2 + 1e-3)),
        1e-6,
        1e-6,
      );
      const ga = new ElicAnalysis({ channels: [2, 2, 2, 4], numResidualBlocks: 1 });
      const image = uniform([1, 17, 23, 3], 2);
      const y = ga.call(image);
      expect(y.shape).toEqual([1, 2, 2, 4]);
      tf.dispose([beta, gamma, x, pair, image, y]);
      gdn.dispose();
      cn.dispose();
      ga.dispose();
    });
  });
});

describe('training on the wasm backend', () => {
  it('ConvTranspose2d gets gradients on wasm that match the cpu backend (same and same_zeros)', async () => {
    for (const padding of ['same', 'same_zeros'] as const) {
      const grads = async (backend: 'cpu' | 'wasm') => {
        await setBackend(backend);
        const layer = new ConvTranspose2d(3, 4, 5, { stride: 2, padding });
        const kernel0 = tf.tidy(() => tf.mul(tf.range(0, 5 * 5 * 4 * 3, 1, 'float32').reshape([5, 5, 4, 3]), 0.001));
        layer.loadStateDict({ ...Object.fromEntries([...layer.namedVariables()].map(([k, v]) => [k, k === 'kernel' ? kernel0 : tf.zerosLike(v)])) });
        const x = tf.tidy(() => tf.sin(tf.range(0, 2 * 5 * 7 * 3, 1, 'float32').reshape([2, 5, 7, 3])));
        const { grads: g, value } = tf.variableGrads(() => tf.sum(tf.square(layer.call(x))) as tf.Scalar, layer.trainableVariables());
        const out = Object.fromEntries(Object.entries(g).map(([k, t]) => [k.replace(/_\d+$/, ''), Array.from(t.dataSync())]));
        tf.dispose([...Object.values(g), value, x, kernel0]);
        layer.dispose();
        return Object.values(out);
      };
      const c = await grads('cpu');
      const w = await grads('wasm');
      expect(w.length).toBe(c.length);
      w.forEach((arr, i) => arr.forEach((v, j) => expect(Math.abs(v - c[i]![j]!)).toBeLessThan(1e-3 * (1 + Math.abs(c[i]![j]!)))));
    }
    await setBackend('cpu');
  });

  it("a Swin stage (shifted, padded windows, GELU from erf, merging) gives the cpu backend's output and gradients on wasm", async () => {
    const run = async (backend: 'cpu' | 'wasm') => {
      await setBackend(backend);
      const stage = new SwinStage(8, { depth: 2, windowSize: 4, headDim: 4, resample: 'merge' });
      const dict = Object.fromEntries(
        [...stage.namedVariables()].map(([k, v], i) => [
          k,
          tf.tidy(() => tf.add(tf.mul(tf.sin(tf.range(0, v.size, 1, 'float32').reshape(v.shape)), 0.3), k.endsWith('gamma') ? 1 : 0.01 * i)),
        ]),
      );
      stage.loadStateDict(dict);
      tf.dispose(Object.values(dict));
      const x = tf.tidy(() => tf.cos(tf.range(0, 2 * 7 * 9 * 8, 1, 'float32').reshape([2, 7, 9, 8])));
      const y = stage.call(x);
      const out = Array.from(y.dataSync());
      const { grads: g, value } = tf.variableGrads(() => tf.sum(tf.square(stage.call(x))) as tf.Scalar, stage.trainableVariables());
      const grads = Object.values(g).map((t) => Array.from(t.dataSync()));
      tf.dispose([...Object.values(g), value, x, y]);
      stage.dispose();
      return { out, grads };
    };
    const c = await run('cpu');
    const w = await run('wasm');
    expectClose(w.out, c.out, 1e-4, 1e-4);
    expect(w.grads.length).toBe(c.grads.length);
    w.grads.forEach((arr, i) => expectClose(arr, c.grads[i]!, 1e-3, 1e-3));
    await setBackend('wasm');
  });
});
