import { describe, expect, it } from 'vitest';
import { exactConv2d, exactConv2dTranspose, transposedConvWeights, type ExactConvWeights } from './exact-conv.js';
import { exactMap } from './exact-map.js';

function seeded(n: number, seed: number, scale = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.fround((s / 2 ** 32 - 0.5) * scale);
  }
  return out;
}

/** Float64 direct convolution, the reference. */
function reference(
  x: Float64Array,
  H: number,
  W: number,
  C: number,
  k: Float64Array,
  KH: number,
  KW: number,
  O: number,
  pad: number,
  stride: number,
  OH: number,
  OW: number,
  bias?: Float64Array,
): Float64Array {
  const out = new Float64Array(OH * OW * O);
  for (let oy = 0; oy < OH; oy++)
    for (let ox = 0; ox < OW; ox++)
      for (let o = 0; o < O; o++) {
        let acc = bias ? bias[o]! : 0;
        for (let a = 0; a < KH; a++)
          for (let b = 0; b < KW; b++) {
            const iy = oy * stride + a - pad;
            const ix = ox * stride + b - pad;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (let c = 0; c < C; c++) acc += x[(iy * W + ix) * C + c]! * k[((a * KW + b) * C + c) * O + o]!;
          }
        out[(oy * OW + ox) * O + o] = acc;
      }
  return out;
}

function relErr(a: Float64Array, b: Float64Array): number {
  let err = 0;
  let mag = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    mag = Math.max(mag, Math.abs(b[i]!));
  }
  return err / mag;
}

describe('deterministic convolutions against a float64 reference', () => {
  it('direct conv2d (strided, padded) and transposed conv2d within 1e-6', () => {
    const [H, W, C, O] = [7, 9, 5, 6];
    const x = seeded(H * W * C, 1, 4);
    const k = seeded(25 * C * O, 2);
    const bias = seeded(O, 3);
    const w: ExactConvWeights = { kernelHeight: 5, kernelWidth: 5, inChannels: C, outChannels: O, kernel: k, bias };
    const y = exactConv2d(exactMap(H, W, C, x), w, { stride: [2, 2], padTop: 2, padLeft: 2, outHeight: 4, outWidth: 5 });
    expect(relErr(y.data, reference(x, H, W, C, k, 5, 5, O, 2, 2, 4, 5, bias))).toBeLessThan(1e-6);
    // A transposed conv equals the direct conv of the zero-upsampled input with the flipped kernel.
    const t = transposedConvWeights(seeded(9 * 4 * C, 4), 3, 3, 4, C);
    const up = exactConv2dTranspose(exactMap(H, W, C, x), t, { stride: [2, 2], padTop: 1, padLeft: 1, outHeight: 2 * H, outWidth: 2 * W });
    const z = new Float64Array(2 * H * 2 * W * C);
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) z[(2 * i * 2 * W + 2 * j) * C + c] = x[(i * W + j) * C + c]!;
    const flipped = new Float64Array(t.kernel.length);
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) flipped.set(t.kernel.subarray(((2 - a) * 3 + (2 - b)) * C * 4, ((2 - a) * 3 + (2 - b) + 1) * C * 4), (a * 3 + b) * C * 4);
    expect(relErr(up.data, reference(z, 2 * H, 2 * W, C, flipped, 3, 3, 4, 1, 1, 2 * H, 2 * W))).toBeLessThan(1e-6);
  });
});

/**
 * The documented sum, literally: per output, float32 from +0 over every tap a, b and
 * channel c in order (a tap reaching nothing adds fround(0 · k)), the bias added last.
 */
function float32Reference(
  x: Float64Array,
  H: number,
  W: number,
  C: number,
  w: ExactConvWeights,
  transposed: boolean,
  s: number,
  pad: number,
  OH: number,
  OW: number,
): Float64Array {
  const { kernelHeight: KH, kernelWidth: KW, outChannels: O, kernel: k, bias } = w;
  const src = (o: number, t: number, n: number): number => {
    if (!transposed) {
      const i = o * s + t - pad;
      return i >= 0 && i < n ? i : -1;
    }
    const u = o + pad - t;
    return u >= 0 && u % s === 0 && u / s < n ? u / s : -1;
  };
  const out = new Float64Array(OH * OW * O);
  for (let oy = 0; oy < OH; oy++)
    for (let ox = 0; ox < OW; ox++)
      for (let o = 0; o < O; o++) {
        let acc = 0;
        for (let a = 0; a < KH; a++)
          for (let b = 0; b < KW; b++) {
            const iy = src(oy, a, H);
            const ix = src(ox, b, W);
            for (let c = 0; c < C; c++) {
              const v = iy >= 0 && ix >= 0 ? x[(iy * W + ix) * C + c]! : 0;
              acc = Math.fround(acc + Math.fround(v * k[((a * KW + b) * C + c) * O + o]!));
            }
          }
        out[(oy * OW + ox) * O + o] = bias ? Math.fround(acc + bias[o]!) : acc;
      }
  return out;
}

describe('deterministic convolutions bit for bit', () => {
  // [kernel, stride, pad, H, W]: odd and even kernels, strides 1-3, kernels smaller than the stride.
  const cases: [number, number, number, number, number][] = [
    [5, 2, 2, 4, 6],
    [3, 1, 1, 5, 3],
    [4, 2, 1, 3, 5],
    [3, 3, 1, 4, 4],
    [1, 2, 0, 3, 4],
    [2, 3, 0, 2, 3],
  ];
  for (const [K, s, pad, H, W] of cases) {
    it(`equal the float32 sum over every tap: ${K}x${K} kernel, stride ${s}, pad ${pad}, ${H}x${W} input`, () => {
      const [C, O] = [3, 7];
      const x = seeded(H * W * C, 10 + K, 3);
      const w: ExactConvWeights = {
        kernelHeight: K,
        kernelWidth: K,
        inChannels: C,
        outChannels: O,
        kernel: seeded(K * K * C * O, 20 + s),
        bias: seeded(O, 30),
      };
      const [dh, dw] = [Math.ceil(H / s), Math.ceil(W / s)];
      const direct = exactConv2d(exactMap(H, W, C, x), w, { stride: [s, s], padTop: pad, padLeft: pad, outHeight: dh, outWidth: dw });
      expect(Array.from(direct.data)).toEqual(Array.from(float32Reference(x, H, W, C, w, false, s, pad, dh, dw)));
      const [th, tw] = [H * s, W * s];
      const up = exactConv2dTranspose(exactMap(H, W, C, x), w, { stride: [s, s], padTop: pad, padLeft: pad, outHeight: th, outWidth: tw });
      expect(Array.from(up.data)).toEqual(Array.from(float32Reference(x, H, W, C, w, true, s, pad, th, tw)));
    });
  }
});
