import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { setBackend } from '../backend/index.js';
import { conv2dTranspose, conv2dTransposeByPhases, type PhaseStrategy } from './conv2d-transpose.js';
import { patchConv2d, patchConv2dTranspose } from './patch-conv.js';
import { fastConv2d, winogradConv3x3 } from './winograd.js';
import '../register-gradients.js';

/** Runs `f` on a backend and returns plain arrays. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await setBackend(backend);
  return tf.tidy(f).map((t) => {
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  });
}

function close(a: Float32Array, b: Float32Array, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  expect(worst).toBeLessThan(tol);
}

afterAll(async () => {
  await setBackend('cpu');
});

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
  ci: fc.integer({ min: 1, max: 3 }),
  co: fc.integer({ min: 1, max: 3 }),
  k: fc.integer({ min: 1, max: 5 }),
  s: fc.integer({ min: 1, max: 3 }),
  padding: fc.constantFrom('same' as const, 'valid' as const),
  seed: fc.integer({ min: 1, max: 1000 }),
});

describe('Conv2D gradients through forward convolutions (wasm) match the cpu backend', () => {
  it('for random shapes, kernels, strides and paddings', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ n, h, w, ci, co, k, s, padding, seed }) => {
        fc.pre(padding === 'same' || (h >= k && w >= k));
        const run = () => {
          const x = tf.randomNormal([n, h, w, ci], 0, 1, 'float32', seed) as tf.Tensor4D;
          const f = tf.randomNormal([k, k, ci, co], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
          const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
            const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, padding);
            return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size, 1, 'float32').reshape(y.shape))));
          })([x, f]);
          return [gx!, gf!];
        };
        const [cx, cf] = await on('cpu', run);
        const [wx, wf] = await on('wasm', run);
        close(wx!, cx!, 1e-4);
        close(wf!, cf!, 1e-4);
      }),
      { numRuns: 60 },
    );
  });

  it('conv2dTranspose equals tf.conv2dTranspose (cpu) for random shapes', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ n, h, w, ci, co, k, s, seed }) => {
        const outShape = [n, h * s, w * s, co] as [number, number, number, number];
        const x = () => tf.randomNormal([n, h, w, ci], 0, 1, 'float32', seed) as tf.Tensor4D;
        const f = () => tf.randomNormal([k, k, co, ci], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
        const [ref] = await on('cpu', () => [tf.conv2dTranspose(x(), f(), outShape, s, 'same')]);
        const [ours] = await on('wasm', () => [conv2dTranspose(x(), f(), outShape, s, 'same')]);
        close(ours!, ref!, 1e-4);
      }),
      { numRuns: 60 },
    );
  });

  it('patch convolutions (kernel = stride, no padding) take the matrix-product path and match the cpu backend, gradients included', async () => {
    const patchArb = fc.record({
      n: fc.integer({ min: 1, max: 2 }),
      ph: fc.integer({ min: 1, max: 3 }),
      pw: fc.integer({ min: 1, max: 3 }),
      ci: fc.integer({ min: 1, max: 4 }),
      co: fc.integer({ min: 1, max: 4 }),
      k: fc.constantFrom(1, 2, 3, 4, 8),
      padding: fc.constantFrom('same' as const, 'valid' as const),
      seed: fc.integer({ min: 1, max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(patchArb, async ({ n, ph, pw, ci, co, k, padding, seed }) => {
        const [h, w] = [ph * k, pw * k];
        const weights = (t: tf.Tensor) => tf.sin(tf.range(0, t.size, 1, 'float32').reshape(t.shape));
        const run = (transpose: (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D) => () => {
          const x = tf.randomNormal([n, h, w, ci], 0, 1, 'float32', seed) as tf.Tensor4D;
          const f = tf.randomNormal([k, k, ci, co], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
          const z = tf.randomNormal([n, ph, pw, ci], 0, 1, 'float32', seed + 2) as tf.Tensor4D;
          const ft = tf.randomNormal([k, k, co, ci], 0, 1, 'float32', seed + 3) as tf.Tensor4D;
          const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
            const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, k, padding);
            return tf.sum(tf.mul(y, weights(y)));
          })([x, f]);
          const t = transpose(z, ft);
          const [gz, gft] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
            const y = transpose(a as tf.Tensor4D, b as tf.Tensor4D);
            return tf.sum(tf.mul(y, weights(y)));
          })([z, ft]);
          return [gx!, gf!, t, gz!, gft!];
        };
        const shape = [n, h, w, co] as [number, number, number, number];
        const ref = await on(
          'cpu',
          run((a, b) => tf.conv2dTranspose(a, b, shape, k, padding)),
        );
        const ours = await on(
          'wasm',
          run((a, b) => conv2dTranspose(a, b, shape, k, padding)),
        );
        ref.forEach((r, i) => close(ours[i]!, r, 1e-4));
      }),
      { numRuns: 40 },
    );
  });

  it('runs a patch transposed convolution and the patch conv gradients without any convolution kernel on wasm', async () => {
    await setBackend('wasm');
    const z = tf.randomNormal([2, 3, 4, 6]) as tf.Tensor4D;
    const f = tf.randomNormal([8, 8, 3, 6]) as tf.Tensor4D;
    const prof = await tf.profile(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 24, 32, 3], 8, 'valid')))([z, f]);
      tf.dispose(g);
    });
    expect(prof.kernelNames.filter((k) => k.startsWith('Conv2D'))).toEqual([]);
    const x = tf.randomNormal([2, 24, 32, 3]) as tf.Tensor4D;
    const fc2 = tf.randomNormal([8, 8, 3, 6]) as tf.Tensor4D;
    const prof2 = await tf.profile(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 8, 'valid')))([x, fc2]);
      tf.dispose(g);
    });
    expect(prof2.kernelNames.filter((k) => k.startsWith('Conv2D'))).toEqual(['Conv2D']); // the forward pass only
    tf.dispose([z, f, x, fc2]);
  });

  it('patchConv2d / patchConv2dTranspose equal the stride-k valid convolutions of the cpu backend', async () => {
    for (const [kh, kw, h, w] of [
      [2, 2, 6, 4],
      [8, 8, 16, 24],
      [4, 2, 8, 6],
    ] as const) {
      const make = (): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] => [
        tf.randomNormal([2, h, w, 3], 0, 1, 'float32', kh) as tf.Tensor4D,
        tf.randomNormal([kh, kw, 3, 5], 0, 1, 'float32', kw) as tf.Tensor4D,
        tf.randomNormal([2, h / kh, w / kw, 5], 0, 1, 'float32', h) as tf.Tensor4D,
      ];
      const [ours, oursT] = await on('wasm', () => {
        const [x, f, z] = make();
        return [patchConv2d(x, f), patchConv2dTranspose(z, f)];
      });
      const [ref, refT] = await on('cpu', () => {
        const [x, f, z] = make();
        return [tf.conv2d(x, f, [kh, kw], 'valid'), tf.conv2dTranspose(z, f, [2, h, w, 3], [kh, kw], 'valid')];
      });
      close(ours!, ref!, 1e-5);
      close(oursT!, refT!, 1e-5);
    }
  });

  it('leaks no tensors', async () => {
    await setBackend('wasm');
    const x = tf.randomNormal([2, 7, 6, 3]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const ft = tf.randomNormal([3, 3, 5, 3]) as tf.Tensor4D;
    const start = tf.memory().numTensors;
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, f]);
    tf.dispose(g);
    conv2dTranspose(x, ft, [2, 14, 12, 5], 2, 'same').dispose();
    const fp = tf.randomNormal([2, 2, 3, 4]) as tf.Tensor4D;
    const xp = tf.randomNormal([2, 8, 6, 3]) as tf.Tensor4D;
    tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid')))([xp, fp]));
    tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(conv2dTranspose(a as tf.Tensor4D, ft.slice([0, 0, 0, 0], [2, 2, 5, 3]), [2, 14, 12, 5], 2, 'valid')))([x]));
    tf.dispose([fp, xp]);
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, f, ft]);
  });
});

/** A transposed conv case with explicit paddings and an output size consistent with them. */
const explicitArb = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 7 }),
    w: fc.integer({ min: 1, max: 7 }),
    ci: fc.integer({ min: 1, max: 3 }),
    co: fc.integer({ min: 1, max: 10 }),
    kh: fc.integer({ min: 1, max: 5 }),
    kw: fc.integer({ min: 1, max: 5 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    pads: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }),
    extra: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 2 }),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .map((c) => {
    // Paddings below the kernel size (TF.js's convention), output = (h - 1) s + k - pads + extra (< s).
    const [pt, pb, pl, pr] = [c.pads[0]! % c.kh, c.pads[1]! % c.kh, c.pads[2]! % c.kw, c.pads[3]! % c.kw];
    const outH = (c.h - 1) * c.sh + c.kh - pt - pb + (c.extra[0]! % c.sh);
    const outW = (c.w - 1) * c.sw + c.kw - pl - pr + (c.extra[1]! % c.sw);
    const padding = [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ] as [number, number][];
    return { ...c, outH, outW, padding };
  })
  .filter((c) => c.outH >= 1 && c.outW >= 1);

describe('transposed convolution by phases (wasm): output-aligned phases, native padding, combined phases, direct gradient', () => {
  const weights = (t: tf.Tensor) => tf.sin(tf.range(0, t.size, 1, 'float32').reshape(t.shape));
  const inputs = (c: { n: number; h: number; w: number; ci: number; co: number; kh: number; kw: number; seed: number }) => ({
    x: () => tf.randomNormal([c.n, c.h, c.w, c.ci], 0, 1, 'float32', c.seed) as tf.Tensor4D,
    f: () => tf.randomNormal([c.kh, c.kw, c.co, c.ci], 0, 1, 'float32', c.seed + 1) as tf.Tensor4D,
  });

  it('equals tf.conv2dTranspose (cpu) with explicit paddings and extra output rows, in value and gradients, for every strategy', async () => {
    await fc.assert(
      fc.asyncProperty(explicitArb, async (c) => {
        const shape = [c.n, c.outH, c.outW, c.co] as [number, number, number, number];
        const { x, f } = inputs(c);
        const withGrads = (t: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor4D) => () => {
          const y = t(x(), f());
          const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(t(a as tf.Tensor4D, b as tf.Tensor4D), weights(y))))([x(), f()]);
          return [y, gx!, gf!];
        };
        const ref = await on(
          'cpu',
          withGrads((a, b) => tf.conv2dTranspose(a, b, shape, [c.sh, c.sw], c.padding as never)),
        );
        // conv2dTranspose on wasm: the phases forward, the direct (customGrad) backward.
        const direct = await on(
          'wasm',
          withGrads((a, b) => conv2dTranspose(a, b, shape, [c.sh, c.sw], c.padding)),
        );
        ref.forEach((r, i) => close(direct[i]!, r, 1e-4));
        // Each strategy on its own, differentiated through its ops.
        for (const strategy of ['separate', 'combined', 'winograd'] as PhaseStrategy[]) {
          const ours = await on(
            'wasm',
            withGrads((a, b) => conv2dTransposeByPhases(a, b, shape, [c.sh, c.sw], c.padding, strategy)),
          );
          ref.forEach((r, i) => close(ours[i]!, r, 1e-4));
        }
      }),
      { numRuns: 50 },
    );
  });

  it("takes 'same' (TF) and 'same_zeros'-style paddings of the Ballé 2018 synthesis without a final crop", async () => {
    // 5x5 stride 2, explicit [2, 2] (TFC same_zeros) and 'same': output = 2 H, no Slice of the output.
    await setBackend('wasm');
    const x = tf.randomNormal([1, 6, 5, 4]) as tf.Tensor4D;
    const f = tf.randomNormal([5, 5, 3, 4]) as tf.Tensor4D;
    for (const padding of [
      [
        [0, 0],
        [2, 2],
        [2, 2],
        [0, 0],
      ] as [number, number][],
      'same' as const,
    ]) {
      for (const strategy of ['separate', 'combined'] as PhaseStrategy[]) {
        const prof = await tf.profile(() => conv2dTransposeByPhases(x, f, [1, 12, 10, 3], [2, 2], padding, strategy).dispose());
        const slices = prof.kernels.filter((k) => k.name === 'Slice' && k.inputShapes[0]!.length === 4);
        expect(slices, `${String(padding)} ${strategy}`).toEqual([]);
        expect(prof.kernelNames.filter((k) => k === 'PadV2')).toEqual([]);
      }
    }
    // The cost model takes one combined conv for 3 output channels and separate phases for 128.
    const convs = async (co: number) => {
      const fw = tf.zeros([5, 5, co, 4]) as tf.Tensor4D;
      const prof = await tf.profile(() => conv2dTransposeByPhases(x, fw, [1, 12, 10, co], [2, 2], 'same').dispose());
      fw.dispose();
      return prof.kernels.filter((k) => k.name === 'Conv2D').length;
    };
    expect(await convs(3)).toBe(1);
    expect(await convs(128)).toBe(4);
    tf.dispose([x, f]);
  });

  it('leaks no tensors through either strategy and the direct gradient', async () => {
    await setBackend('wasm');
    const x = tf.randomNormal([2, 5, 6, 3]) as tf.Tensor4D;
    const f = tf.randomNormal([5, 5, 4, 3]) as tf.Tensor4D;
    const shape = [2, 10, 12, 4] as [number, number, number, number];
    const start = tf.memory().numTensors;
    const pad = [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ] as [number, number][];
    for (const strategy of ['separate', 'combined'] as PhaseStrategy[]) {
      conv2dTransposeByPhases(x, f, shape, [2, 2], pad, strategy).dispose();
      tf.dispose(
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv2dTransposeByPhases(a as tf.Tensor4D, b as tf.Tensor4D, shape, [2, 2], pad, strategy)))([x, f]),
      );
    }
    tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, shape, 2, pad)))([x, f]));
    const v = tf.variable(f);
    const { value, grads } = tf.variableGrads(() => tf.sum(conv2dTranspose(x, v as unknown as tf.Tensor4D, shape, 2, 'same')) as tf.Scalar, [v]);
    tf.dispose([value, grads[v.name]!]);
    v.dispose();
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, f]);
  });
});

describe('Winograd F(4x4, 3x3) (wasm)', () => {
  it('equals the direct convolution (cpu) for random sizes, batches, paddings and channels', async () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 13 }),
      w: fc.integer({ min: 1, max: 13 }),
      ci: fc.integer({ min: 1, max: 20 }),
      co: fc.integer({ min: 1, max: 20 }),
      pad: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
      seed: fc.integer({ min: 1, max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ n, h, w, ci, co, pad, seed }) => {
        const [t, b, l, r] = pad as [number, number, number, number];
        fc.pre(h + t + b >= 3 && w + l + r >= 3);
        const x = () => tf.randomNormal([n, h, w, ci], 0, 1, 'float32', seed) as tf.Tensor4D;
        const f = () => tf.randomNormal([3, 3, ci, co], 0, 1 / Math.sqrt(9 * ci), 'float32', seed + 1) as tf.Tensor4D;
        const explicit = [
          [0, 0],
          [t, b],
          [l, r],
          [0, 0],
        ] as [number, number][];
        const [ref] = await on('cpu', () => [tf.conv2d(x(), f(), 1, explicit as never)]);
        const [ours] = await on('wasm', () => [winogradConv3x3(x(), f(), [t, b, l, r])]);
        close(ours!, ref!, 1e-4);
      }),
      { numRuns: 60 },
    );
  });

  it('is what conv2dTranspose (wasm, auto) runs for a wide 5x5 stride-2 synthesis layer, except while recording a gradient; equal to the cpu result; no leaks', async () => {
    const x = () => tf.randomNormal([1, 32, 32, 32], 0, 1, 'float32', 5) as tf.Tensor4D;
    const f = () => tf.randomNormal([5, 5, 32, 32], 0, 0.05, 'float32', 6) as tf.Tensor4D;
    const pad = [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ] as [number, number][];
    const shape = [1, 64, 64, 32] as [number, number, number, number]; // 32 x 32 phases: 64 Winograd tiles
    const [ref] = await on('cpu', () => [tf.conv2dTranspose(x(), f(), shape, 2, pad as never)]);
    const [ours] = await on('wasm', () => [conv2dTranspose(x(), f(), shape, 2, pad)]);
    close(ours!, ref!, 1e-4);
    const xs = x();
    const fs = f();
    const isTransform = (k: { name: string; inputShapes: (number[] | null)[] }) => k.name === 'Conv2D' && String(k.inputShapes[1]) === '6,1,1,6';
    const start = tf.memory().numTensors;
    const forward = await tf.profile(() => conv2dTranspose(xs, fs, shape, 2, pad).dispose());
    expect(forward.kernels.some(isTransform)).toBe(true);
    const training = await tf.profile(() =>
      tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(conv2dTransposeByPhases(a as tf.Tensor4D, fs, shape, [2, 2], pad)))([xs])),
    );
    expect(training.kernels.some(isTransform)).toBe(false);
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([xs, fs]);
  });
});

describe('fastConv2d (wasm): Winograd for 3x3 stride 1 and, by polyphase, 5x5 / 6x6 stride 2', () => {
  it('equals tf.conv2d (cpu) for random sizes, batches and paddings, with Winograd forced', async () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 1, max: 14 }),
      w: fc.integer({ min: 1, max: 14 }),
      ci: fc.integer({ min: 1, max: 6 }),
      co: fc.integer({ min: 1, max: 6 }),
      kind: fc.constantFrom([3, 1] as const, [5, 2] as const, [6, 2] as const),
      padding: fc.oneof(fc.constantFrom('same' as const, 'valid' as const), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 })),
      seed: fc.integer({ min: 1, max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ n, h, w, ci, co, kind, padding, seed }) => {
        const k = kind[0];
        const s = kind[1];
        const pad =
          typeof padding === 'string'
            ? padding
            : ([
                [0, 0],
                [padding[0]! % k, padding[1]! % k],
                [padding[2]! % k, padding[3]! % k],
                [0, 0],
              ] as [number, number][]);
        const [pt, pb, pl, pr] = typeof pad === 'string' ? [0, 0, 0, 0] : [pad[1]![0], pad[1]![1], pad[2]![0], pad[2]![1]];
        fc.pre(pad === 'same' || (h + pt + pb >= k && w + pl + pr >= k));
        const x = () => tf.randomNormal([n, h, w, ci], 0, 1, 'float32', seed) as tf.Tensor4D;
        const f = () => tf.randomNormal([k, k, ci, co], 0, 1 / k, 'float32', seed + 1) as tf.Tensor4D;
        const [ref] = await on('cpu', () => [tf.conv2d(x(), f(), s, pad as never)]);
        const [ours] = await on('wasm', () => [fastConv2d(x(), f(), s, pad, 'always')]);
        close(ours!, ref!, 1e-4);
      }),
      { numRuns: 80 },
    );
  });

  it('takes Winograd on its own only for wide layers outside gradient recording; the Conv2d layers use it', async () => {
    await setBackend('wasm');
    const x = tf.randomNormal([1, 32, 32, 32]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 32, 128], 0, 0.05) as tf.Tensor4D;
    const small = tf.randomNormal([3, 3, 32, 16]) as tf.Tensor4D;
    const isTransform = (k: { name: string; inputShapes: (number[] | null)[] }) => k.name === 'Conv2D' && String(k.inputShapes[1]) === '6,1,1,6';
    const start = tf.memory().numTensors;
    expect((await tf.profile(() => fastConv2d(x, f, 1, 'same').dispose())).kernels.some(isTransform)).toBe(true);
    expect((await tf.profile(() => fastConv2d(x, small, 1, 'same').dispose())).kernels.some(isTransform)).toBe(false);
    const grads = await tf.profile(() => tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(fastConv2d(a as tf.Tensor4D, f, 1, 'same')))([x])));
    expect(grads.kernels.some(isTransform)).toBe(false);
    expect(tf.memory().numTensors).toBe(start);
    const [ref] = await on('cpu', () => [
      tf.conv2d(
        tf.randomNormal([1, 32, 32, 32], 0, 1, 'float32', 3) as tf.Tensor4D,
        tf.randomNormal([3, 3, 32, 128], 0, 0.05, 'float32', 4) as tf.Tensor4D,
        1,
        'same',
      ),
    ]);
    const [ours] = await on('wasm', () => [
      fastConv2d(
        tf.randomNormal([1, 32, 32, 32], 0, 1, 'float32', 3) as tf.Tensor4D,
        tf.randomNormal([3, 3, 32, 128], 0, 0.05, 'float32', 4) as tf.Tensor4D,
        1,
        'same',
      ),
    ]);
    close(ours!, ref!, 1e-4);
    tf.dispose([x, f, small]);
  });
});
