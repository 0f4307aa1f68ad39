import { InvalidArgumentError, setBackend, ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradients, expectClose, expectNoLeak, expectStateDictRoundTrip, take, uniform } from '../test-helpers.js';
import { relativePositionIndex, SWIN_MASK_VALUE, windowAttentionMask } from './attention-mask.js';
import { gelu } from './gelu.js';
import { LayerNorm } from './layer-norm.js';
import { PatchMerging } from './patch-merging.js';
import { PatchSplitting } from './patch-splitting.js';
import { PatchUnpack } from './patch-unpack.js';
import { SwinBlock } from './swin-block.js';
import { SwinStage } from './swin-stage.js';
import { WindowAttention } from './window-attention.js';
import { padToMultiple, roll2d, windowPartition, windowReverse } from './windows.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Sets `v` to U(-scale, scale) values drawn with `seed`. */
function randomize(v: tf.Variable, seed: number, scale = 0.5): void {
  const t = tf.randomUniform(v.shape, -scale, scale, 'float32', seed);
  v.assign(t);
  t.dispose();
}

/**
 * The reference's SW-MSA mask for an H x W map (SwinT-ChARM `get_img_mask` /
 * `get_attn_mask`): nine regions built by concatenating constant blocks, windows
 * partitioned row-major, -100 between tokens of different regions.
 */
function referenceShiftMask(h: number, w: number, window: number): number[] {
  const s = window / 2;
  const region = (r: number, c: number): number => {
    const band = (p: number, size: number): number => (p < size - window ? 0 : p < size - s ? 1 : 2);
    return band(r, h) * 3 + band(c, w);
  };
  const out: number[] = [];
  for (let wr = 0; wr < h / window; wr++) {
    for (let wc = 0; wc < w / window; wc++) {
      const ids: number[] = [];
      for (let t = 0; t < window * window; t++) ids.push(region(wr * window + Math.floor(t / window), wc * window + (t % window)));
      for (const q of ids) for (const k of ids) out.push(q === k ? 0 : -100);
    }
  }
  return out;
}

describe('Swin building blocks', () => {
  it('gelu is x Φ(x) and LayerNorm normalizes the last axis (biased variance, eps 1e-5)', () => {
    expectNoLeak(() => {
      const xs = [-3, -1, 0, 0.5, 2];
      const phi = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
      const t = tf.tensor1d(xs);
      expectClose(
        take(gelu(t)),
        xs.map((x) => x * phi(x)),
        1e-6,
        1e-6,
      );
      t.dispose();
      const ln = new LayerNorm(4);
      const x = tf.tensor2d([[1, 2, 3, 6]]);
      const mean = 3;
      const variance = (4 + 1 + 0 + 9) / 4;
      expectClose(
        take(ln.call(x)),
        [1, 2, 3, 6].map((v) => (v - mean) / Math.sqrt(variance + 1e-5)),
        1e-6,
        1e-6,
      );
      expect([...ln.namedVariables().keys()]).toEqual(['gamma', 'beta']);
      const bad = tf.zeros([2, 3]);
      expect(() => ln.call(bad)).toThrow(ShapeError);
      expect(() => new LayerNorm(4, { epsilon: 0 })).toThrow(InvalidArgumentError);
      tf.dispose([x, bad]);
      ln.dispose();
    });
  });

  it('partitions into windows and back, rolls cyclically and pads to whole windows', () => {
    expectNoLeak(() => {
      const x = tf.tidy(() => tf.reshape(tf.range(0, 2 * 4 * 6 * 3, 1, 'float32'), [2, 4, 6, 3]));
      const windows = windowPartition(x, 2);
      expect(windows.shape).toEqual([2 * 2 * 3, 4, 3]);
      // Window 1 of image 0 holds rows 0-1, columns 2-3, tokens row-major.
      const v = x.arraySync() as number[][][][];
      expect((windows.arraySync() as number[][][])[1]!.map((t) => t[0])).toEqual([v[0]![0]![2]![0], v[0]![0]![3]![0], v[0]![1]![2]![0], v[0]![1]![3]![0]]);
      expect(take(windowReverse(windows, 2, 4, 6))).toEqual(take(tf.clone(x)));
      const rolledT = roll2d(x, -1, 2);
      const rolled = rolledT.arraySync() as number[][][][];
      rolledT.dispose();
      expect(rolled[0]![0]![0]).toEqual(v[0]![1]![4]);
      expect(rolled[1]![3]![5]).toEqual(v[1]![0]![3]);
      const padded = padToMultiple(x, 4);
      expect(padded.shape).toEqual([2, 4, 8, 3]);
      expect(take(tf.tidy(() => tf.slice(padded, [0, 0, 6, 0], [-1, -1, 2, -1]))).every((e) => e === 0)).toBe(true);
      expect(padToMultiple(x, 2)).toBe(x);
      expect(() => windowPartition(x, 4)).toThrow(ShapeError);
      tf.dispose([x, windows, padded]);
    });
  });

  it('indexes the relative-position bias table as (dr + w - 1)(2w - 1) + dc + w - 1', () => {
    const index = relativePositionIndex(2);
    // Tokens (0,0), (0,1), (1,0), (1,1): the diagonal is offset (0, 0) -> 4; opposite corners 0 and 8.
    expect(Array.from(index)).toEqual([4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4]);
    const big = relativePositionIndex(8);
    expect(big.length).toBe(64 * 64);
    expect(Math.min(...big)).toBe(0);
    expect(Math.max(...big)).toBe(15 * 15 - 1);
  });

  it("the shifted-window mask equals the reference's nine-region mask on window multiples", () => {
    for (const [h, w, window] of [
      [8, 8, 4],
      [8, 12, 4],
      [16, 8, 8],
    ] as const) {
      expect(Array.from(windowAttentionMask(h, w, window, window / 2)!)).toEqual(referenceShiftMask(h, w, window));
    }
    expect(windowAttentionMask(8, 8, 4, 0)).toBeUndefined();
    expect(() => windowAttentionMask(8, 8, 4, 4)).toThrow(InvalidArgumentError);
  });

  it('masks padding keys: no real token attends to the zero padding of a 6x5 map in 4x4 windows', () => {
    const mask = windowAttentionMask(6, 5, 4, 0)!;
    expect(mask.length).toBe(2 * 2 * 16 * 16);
    for (let win = 0; win < 4; win++) {
      for (let q = 0; q < 16; q++) {
        for (let k = 0; k < 16; k++) {
          const r = Math.floor(win / 2) * 4 + Math.floor(k / 4);
          const c = (win % 2) * 4 + (k % 4);
          expect(mask[(win * 16 + q) * 16 + k]).toBe(r < 6 && c < 5 ? 0 : SWIN_MASK_VALUE);
        }
      }
    }
  });
});

describe('WindowAttention', () => {
  it('is softmax(q kᵀ / sqrt(d) + B + M) v per head, with the bias gathered from the table', () => {
    expectNoLeak(() => {
      const att = new WindowAttention(4, { numHeads: 2, windowSize: 2 });
      expect([...att.namedVariables().entries()].map(([k, v]) => `${k}:${v.shape.join('x')}`)).toEqual([
        'relative_position_bias_table:9x2',
        'qkv.kernel:4x12',
        'qkv.bias:12',
        'proj.kernel:4x4',
        'proj.bias:4',
      ]);
      randomize(att.relativePositionBiasTable, 1);
      const x = uniform([3, 4, 4], 2);
      const mask = tf.tensor3d(windowAttentionMask(2, 6, 2, 1)!, [3, 4, 4]);
      const manual = tf.tidy(() => {
        const qkv = att.qkv.call(x);
        const table = att.relativePositionBiasTable.arraySync() as number[][];
        const index = relativePositionIndex(2);
        const heads = [0, 1].map((h) => {
          const pick = (i: number): tf.Tensor => tf.slice(qkv, [0, 0, i * 4 + h * 2], [-1, -1, 2]);
          const bias = tf.tensor2d(
            Array.from(index).map((i) => table[i]![h]!),
            [4, 4],
          );
          const logits = tf.add(tf.add(tf.div(tf.matMul(pick(0), pick(1), false, true), Math.SQRT2), bias), mask);
          return tf.matMul(tf.softmax(logits), pick(2));
        });
        return att.proj.call(tf.concat(heads, 2));
      });
      const y = att.call(x, mask);
      expect(y.shape).toEqual([3, 4, 4]);
      expectClose(take(y), take(manual), 1e-5, 1e-5);
      const wrongTokens = uniform([3, 5, 4], 3);
      const wrongMask = tf.zeros([2, 4, 4]);
      expect(() => att.call(wrongTokens)).toThrow(ShapeError);
      expect(() => att.call(x, wrongMask)).toThrow(ShapeError);
      expect(() => new WindowAttention(6, { numHeads: 4, windowSize: 2 })).toThrow(InvalidArgumentError);
      tf.dispose([x, mask, wrongTokens, wrongMask]);
      att.dispose();
    });
  });
});

describe('SwinBlock', () => {
  it('keeps the shape at odd sizes, with and without shift, and refuses bad input', () => {
    expectNoLeak(() => {
      for (const shift of [0, 2]) {
        const block = new SwinBlock(8, { numHeads: 2, windowSize: 4, shift });
        for (const [h, w] of [
          [13, 19],
          [3, 2],
          [8, 8],
        ] as const) {
          const x = uniform([2, h, w, 8], h * w);
          const y = block.call(x);
          expect(y.shape).toEqual([2, h, w, 8]);
          expect(take(y).every(Number.isFinite)).toBe(true);
          x.dispose();
        }
        const bad = uniform([1, 4, 4, 7], 1);
        expect(() => block.call(bad)).toThrow(ShapeError);
        bad.dispose();
        block.dispose();
      }
      expect(() => new SwinBlock(8, { numHeads: 2, windowSize: 4, shift: 4 })).toThrow(InvalidArgumentError);
      expect(() => new SwinBlock(8, { numHeads: 2, windowSize: 4, mlpRatio: 0 })).toThrow(InvalidArgumentError);
    });
  });

  it('with shifted windows, tokens the cyclic shift brought together never attend to each other', () => {
    expectNoLeak(() => {
      // 8x8 map, 4x4 windows, shift 2: the shifted window at rows/columns 4..7 holds original
      // rows/columns 6, 7, 0, 1; original (0, 0) and (6, 6) share it but not a region, (0, 0) and (1, 1) share both.
      const changedAt = (shift: number): boolean[] => {
        const block = new SwinBlock(4, { numHeads: 2, windowSize: 4, shift });
        randomize(block.attn.relativePositionBiasTable, 3);
        const x = uniform([1, 8, 8, 4], 4);
        // A change of (0, 0) that LayerNorm does not remove (not the same on every channel).
        const bump = tf.tidy(() => tf.add(x, tf.mul(tf.oneHot(tf.tensor1d([0], 'int32'), 64).reshape([1, 8, 8, 1]), tf.tensor1d([3, -2, 1, 0]))));
        const [ya, yb] = [block.call(x), block.call(bump)];
        const a = ya.arraySync() as number[][][][];
        const b = yb.arraySync() as number[][][][];
        tf.dispose([ya, yb]);
        const differs = (r: number, c: number): boolean => a[0]![r]![c]!.some((v, i) => Math.abs(v - b[0]![r]![c]![i]!) > 1e-6);
        tf.dispose([x, bump]);
        block.dispose();
        return [differs(6, 6), differs(1, 1), differs(7, 0), differs(0, 7), differs(2, 2)];
      };
      // Shifted: (6, 6), (7, 0) and (0, 7) share the window of (0, 0) but lie across a wrap; (1, 1) is
      // its region; (2, 2) is another window.
      expect(changedAt(2)).toEqual([false, true, false, false, false]);
      // Regular windows: (1, 1) and (2, 2) share the window of (0, 0), the others do not.
      expect(changedAt(0)).toEqual([false, true, false, false, true]);
    });
  });

  it('on a map smaller than the window is full attention over the real tokens (padding masked)', () => {
    expectNoLeak(() => {
      const block = new SwinBlock(4, { numHeads: 1, windowSize: 4 });
      randomize(block.attn.relativePositionBiasTable, 5);
      const x = uniform([1, 3, 3, 4], 6);
      const manual = tf.tidy(() => {
        const tokens = tf.reshape(block.norm1.call(x), [9, 4]);
        const [q, k, v] = tf.split(block.attn.qkv.call(tokens), 3, 1);
        const table = block.attn.relativePositionBiasTable.arraySync() as number[][];
        const index = relativePositionIndex(4);
        const pos = [0, 1, 2, 4, 5, 6, 8, 9, 10]; // the 3x3 real tokens inside the 4x4 window
        const bias = tf.tensor2d(
          pos.flatMap((i) => pos.map((j) => table[index[i * 16 + j]!]![0]!)),
          [9, 9],
        );
        const a = block.attn.proj.call(tf.matMul(tf.softmax(tf.add(tf.div(tf.matMul(q!, k!, false, true), 2), bias)), v!));
        const y = tf.add(x, tf.reshape(a, [1, 3, 3, 4]));
        return tf.add(y, block.mlp.call(block.norm2.call(y)));
      });
      expectClose(take(block.call(x)), take(manual), 1e-5, 1e-5);
      x.dispose();
      block.dispose();
    });
  });

  it('gets gradients that match finite differences (shifted, padded 3x5 map)', () => {
    const block = new SwinBlock(4, { numHeads: 2, windowSize: 2, shift: 1 });
    randomize(block.attn.relativePositionBiasTable, 7);
    const x = uniform([1, 3, 5, 4], 8);
    const weights = uniform([1, 3, 5, 4], 9);
    checkGradients(() => tf.tidy(() => tf.sum(tf.mul(block.call(x), weights)) as tf.Scalar), block.trainableVariables(), { samples: 3 });
    tf.dispose([x, weights]);
    block.dispose();
  });
});

describe('patch merging, splitting and unpacking', () => {
  it('PatchMerging concatenates [x(2i,2j), x(2i+1,2j), x(2i,2j+1), x(2i+1,2j+1)], then LN and a bias-free Dense; pads odd sizes', () => {
    expectNoLeak(() => {
      const merge = new PatchMerging(3, 5);
      expect([...merge.namedVariables().keys()]).toEqual(['norm.gamma', 'norm.beta', 'reduction.kernel']);
      const x = uniform([2, 6, 4, 3], 1);
      const manual = tf.tidy(() => {
        const at = (dy: number, dx: number): tf.Tensor => tf.stridedSlice(x, [0, dy, dx, 0], [2, 6, 4, 3], [1, 2, 2, 1]);
        return merge.reduction.call(merge.norm.call(tf.concat([at(0, 0), at(1, 0), at(0, 1), at(1, 1)], 3)));
      });
      const y = merge.call(x);
      expect(y.shape).toEqual([2, 3, 2, 5]);
      expectClose(take(y), take(manual), 1e-6, 1e-6);
      const oddInput = uniform([1, 7, 5, 3], 2);
      const odd = merge.call(oddInput);
      expect(odd.shape).toEqual([1, 4, 3, 5]);
      tf.dispose([odd, oddInput]);
      x.dispose();
      merge.dispose();
    });
  });

  it('PatchSplitting is Dense (no bias) -> LN -> depth-to-space, PatchUnpack Dense (bias) -> depth-to-space', () => {
    expectNoLeak(() => {
      const split = new PatchSplitting(4, 3);
      expect([...split.namedVariables().entries()].map(([k, v]) => `${k}:${v.shape.join('x')}`)).toEqual([
        'norm.gamma:12',
        'norm.beta:12',
        'reduction.kernel:4x12',
      ]);
      const unpack = new PatchUnpack(4, 3);
      expect([...unpack.namedVariables().keys()]).toEqual(['reduction.kernel', 'reduction.bias']);
      const x = uniform([1, 3, 5, 4], 3);
      const s = split.call(x);
      expect(s.shape).toEqual([1, 6, 10, 3]);
      const features = tf.tidy(() => split.norm.call(split.reduction.call(x)).arraySync() as number[][][][]);
      const sv = s.arraySync() as number[][][][];
      // TensorFlow depth_to_space: out[2h + i, 2w + j, c] = in[h, w, (2i + j) C + c].
      expectClose(sv[0]![3]![4]!, features[0]![1]![2]!.slice(1 * 2 * 3 + 0 * 3, 1 * 2 * 3 + 3), 1e-6, 1e-6);
      const u = unpack.call(x);
      expect(u.shape).toEqual([1, 6, 10, 3]);
      tf.dispose([x, s, u]);
      split.dispose();
      unpack.dispose();
    });
  });

  it('merging and splitting get gradients that match finite differences', () => {
    const merge = new PatchMerging(2, 3);
    const split = new PatchSplitting(3, 2);
    randomize(merge.norm.gamma, 1);
    randomize(split.norm.beta, 2);
    const x = uniform([1, 3, 4, 2], 3);
    const weights = uniform([1, 4, 4, 2], 4);
    const vars = [...merge.trainableVariables(), ...split.trainableVariables()];
    checkGradients(() => tf.tidy(() => tf.sum(tf.mul(split.call(merge.call(x)), weights)) as tf.Scalar), vars, { samples: 3 });
    tf.dispose([x, weights]);
    merge.dispose();
    split.dispose();
  });
});

describe('SwinStage', () => {
  it('alternates W-MSA and SW-MSA, names its parts as the reference, and resamples at odd sizes', () => {
    expectNoLeak(() => {
      const stage = new SwinStage(8, { depth: 3, windowSize: 4, headDim: 4, resample: 'merge', outDim: 12 });
      expect(stage.blocks.map((b) => b.shift)).toEqual([0, 2, 0]);
      expect(stage.blocks[0]!.attn.numHeads).toBe(2);
      expect([...stage.children().keys()]).toEqual(['block0', 'block1', 'block2', 'downsample']);
      const x = uniform([1, 13, 9, 8], 1);
      const y = stage.call(x);
      expect(y.shape).toEqual([1, 7, 5, 12]);
      stage.dispose();
      for (const [resample, shape] of [
        ['split', [1, 26, 18, 6]],
        ['unpack', [1, 26, 18, 6]],
        ['none', [1, 13, 9, 8]],
      ] as const) {
        const s = new SwinStage(8, { depth: 2, windowSize: 4, headDim: 4, resample, outDim: 6 });
        expect(s.outDim).toBe(resample === 'none' ? 8 : 6);
        const out = s.call(x);
        expect(out.shape).toEqual(shape);
        out.dispose();
        s.dispose();
      }
      tf.dispose([x, y]);
      expect(() => new SwinStage(8, { depth: 2, windowSize: 4, headDim: 16 })).toThrow(InvalidArgumentError);
      expect(() => new SwinStage(8, { depth: 2, windowSize: 4, resample: 'up' as never })).toThrow(InvalidArgumentError);
    });
  });

  it('round-trips its state dict', () => {
    expectStateDictRoundTrip(
      () => new SwinStage(8, { depth: 2, windowSize: 2, headDim: 4, resample: 'split', outDim: 4 }),
      (m) => tf.tidy(() => m.call(uniform([1, 5, 3, 8], 11))),
    );
  });
});

/** erf by its Maclaurin series (|x| <= 3 here), for the closed form of gelu. */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
