import { afterAll, describe, expect, it } from 'vitest';
import { exactConv2d, exactConv2dTranspose, transposedConvWeights, type ExactConvGeometry, type ExactConvWeights } from './exact-conv.js';
import { exactMap, type ExactMap } from './exact-map.js';
import { useImplicitConv } from './wasm/conv-kernel.js';
import { startGemmThreads, stopGemmThreads } from './wasm/gemm-threads.js';

/** A seeded generator of uniform numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Float32 values of mixed magnitudes, some exact zeros (so float32 rounding and zero taps both matter). */
function values(n: number, next: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    out[i] = u < 0.05 ? 0 : Math.fround((next() - 0.5) * 2 ** (Math.floor(u * 12) - 6));
  }
  return out;
}

const int = (next: () => number, lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));

/** One random layer: a convolution or a transposed one, any stride, padding, bias or none. */
interface Case {
  readonly transposed: boolean;
  readonly x: ExactMap;
  readonly w: ExactConvWeights;
  readonly g: ExactConvGeometry;
}

function randomCase(seed: number, big: boolean): Case {
  const next = rng(seed);
  const [kh, kw] = [int(next, 1, 5), int(next, 1, 5)];
  const stride: [number, number] = [int(next, 1, 3), int(next, 1, 3)];
  const [H, W] = big ? [int(next, 14, 20), int(next, 14, 24)] : [int(next, 1, 9), int(next, 1, 11)];
  const [C, O] = big ? [int(next, 24, 40), int(next, 30, 72)] : [int(next, 1, 9), int(next, 1, 19)];
  const transposed = next() < 0.5;
  const x = exactMap(H, W, C, values(H * W * C, next));
  const bias = next() < 0.7 ? values(O, next) : undefined;
  const [padTop, padLeft] = [int(next, 0, kh + 1), int(next, 0, kw + 1)];
  const kernel = values(kh * kw * C * O, next);
  if (transposed) {
    const g = { stride, padTop, padLeft, outHeight: int(next, 1, H * stride[0] + 2), outWidth: int(next, 1, W * stride[1] + 2) };
    return { transposed, x, w: transposedConvWeights(kernel, kh, kw, O, C, bias), g };
  }
  const out = (n: number, k: number, s: number, pad: number): number => Math.max(1, Math.floor((n + 2 * pad - k) / s) + 1 + int(next, -1, 1));
  const g = { stride, padTop, padLeft, outHeight: out(H, kh, stride[0], padTop), outWidth: out(W, kw, stride[1], padLeft) };
  return { transposed, x, w: { kernelHeight: kh, kernelWidth: kw, inChannels: C, outChannels: O, kernel, bias }, g };
}

const run = (c: Case): Float64Array => (c.transposed ? exactConv2dTranspose(c.x, c.w, c.g) : exactConv2d(c.x, c.w, c.g)).data;

/** The outputs' float64 bit patterns (every value a float32, so equal patterns are equal float32 bits, -0 included). */
const bits = (d: Float64Array): number[] => Array.from(new Uint32Array(Float64Array.from(d).buffer));

describe('the implicit-GEMM convolution gives the im2col + GEMM bits', () => {
  afterAll(async () => {
    useImplicitConv(true);
    await stopGemmThreads();
  });

  // Small layers (one thread however many run) and large ones (split between the threads).
  const cases = [...Array.from({ length: 60 }, (_, i) => randomCase(i + 1, false)), ...Array.from({ length: 8 }, (_, i) => randomCase(i + 101, true))];

  it('random shapes, strides, paddings, with and without bias, convolutions and transposed ones, on 1 to 3 threads', async () => {
    await stopGemmThreads();
    useImplicitConv(false);
    const reference = cases.map(run);
    useImplicitConv(true);
    for (const threads of [1, 2, 3]) {
      await stopGemmThreads();
      expect(await startGemmThreads(threads)).toBe(threads);
      cases.forEach((c, i) => {
        expect(bits(run(c)), `case ${i} (${c.transposed ? 'transposed' : 'conv'} ${JSON.stringify(c.g)}), ${threads} threads`).toEqual(bits(reference[i]!));
      });
    }
  });

  it('a kernel smaller than a transposed stride (phases with no taps) gives the bias, or +0', () => {
    const next = rng(7);
    const x = exactMap(3, 4, 2, values(24, next));
    const bias = values(3, next);
    const w = transposedConvWeights(values(2 * 3, next), 1, 1, 3, 2, bias);
    const g = { stride: [3, 3] as [number, number], padTop: 0, padLeft: 0, outHeight: 9, outWidth: 12 };
    useImplicitConv(false);
    const reference = exactConv2dTranspose(x, w, g).data;
    useImplicitConv(true);
    expect(bits(exactConv2dTranspose(x, w, g).data)).toEqual(bits(reference));
    expect(exactConv2dTranspose(x, w, g).data[3]).toBe(bias[0]);
  });
});
