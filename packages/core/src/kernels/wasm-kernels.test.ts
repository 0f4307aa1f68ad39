import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { setBackend } from '../backend/index.js';
import { registerWasmKernels } from './wasm-kernels.js';
import '../register-gradients.js';

/** Runs `f` on a backend and returns plain arrays. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<tf.TypedArray[]> {
  await setBackend(backend);
  return tf.tidy(f).map((t) => {
    const d = t.dataSync();
    t.dispose();
    return d;
  });
}

afterAll(async () => {
  await setBackend('cpu');
});

describe('wasm kernel replacements (Slice, SplitV, BatchMatMul, Transpose, Cast to bool)', () => {
  it('are installed once setBackend(wasm) has loaded the package, and re-installing is a no-op', async () => {
    await setBackend('wasm');
    const slice = tf.getKernel('Slice', 'wasm')!.kernelFunc;
    const matMul = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    expect(registerWasmKernels()).toBe(true);
    expect(tf.getKernel('Slice', 'wasm')!.kernelFunc).toBe(slice);
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(matMul);
  });

  it('Slice and SplitV copy exactly what the cpu backend does, for any rank, dtype, begin and size', async () => {
    const arb = fc
      .record({
        shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }),
        dtype: fc.constantFrom('float32' as const, 'int32' as const, 'bool' as const),
        cuts: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 5, maxLength: 5 }),
        axis: fc.nat(),
        seed: fc.integer({ min: 1, max: 1000 }),
      })
      .map((c) => {
        const begin = c.shape.map((d, i) => c.cuts[i]![0] % d);
        const size = c.shape.map((d, i) => (c.cuts[i]![1] % (d - begin[i]! + 1)) as number);
        return { ...c, begin, size, axis: c.axis % c.shape.length };
      });
    await fc.assert(
      fc.asyncProperty(arb, async ({ shape, dtype, begin, size, axis, seed }) => {
        const run = () => {
          const u = tf.floor(tf.randomUniform(shape, -50, 50, 'float32', seed));
          const x = dtype === 'bool' ? tf.greater(u, 0) : tf.cast(u, dtype);
          const d = shape[axis]!;
          const sizes = d >= 2 ? [1, d - 1] : [d];
          return [tf.slice(x, begin, size), ...tf.split(x, sizes, axis), tf.slice(x, begin)];
        };
        const ref = await on('cpu', run);
        const ours = await on('wasm', run);
        expect(ours.length).toBe(ref.length);
        ref.forEach((r, i) => expect(Array.from(ours[i]!)).toEqual(Array.from(r)));
      }),
      { numRuns: 150 },
    );
  });

  it('BatchMatMul with transposes, batches and broadcasts matches the cpu backend, gradients included', async () => {
    const arb = fc.record({
      m: fc.integer({ min: 1, max: 70 }),
      k: fc.integer({ min: 1, max: 70 }),
      n: fc.integer({ min: 1, max: 70 }),
      batch: fc.constantFrom([] as number[], [1], [3], [2, 2]),
      broadcast: fc.constantFrom('none' as const, 'a' as const, 'b' as const),
      ta: fc.boolean(),
      tb: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ m, k, n, batch, broadcast, ta, tb, seed }) => {
        const aBatch = broadcast === 'a' ? [] : batch;
        const bBatch = broadcast === 'b' ? [] : batch;
        const run = () => {
          const a = tf.randomNormal([...aBatch, ...(ta ? [k, m] : [m, k])], 0, 1, 'float32', seed);
          const b = tf.randomNormal([...bBatch, ...(tb ? [n, k] : [k, n])], 0, 1, 'float32', seed + 1);
          const y = tf.matMul(a, b, ta, tb);
          const w = tf.sin(tf.range(0, y.size, 1, 'float32').reshape(y.shape));
          // (TF.js's matMul gradient does not reduce a broadcast batch, on any backend.)
          if (broadcast !== 'none' && batch.length > 0) return [y];
          const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, ta, tb), w)))([a, b]);
          return [y, ga!, gb!];
        };
        const ref = await on('cpu', run);
        const ours = await on('wasm', run);
        ref.forEach((r, i) => {
          expect(ours[i]!.length).toBe(r.length);
          let worst = 0;
          for (let j = 0; j < r.length; j++) worst = Math.max(worst, Math.abs(ours[i]![j]! - r[j]!) / (1 + Math.abs(r[j]!)));
          expect(worst).toBeLessThan(1e-4);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('Transpose copies exactly what the cpu backend does, for any rank, permutation and dtype (large tensors take the replacement)', async () => {
    const arb = fc
      .record({
        dims: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        grow: fc.nat(),
        dtype: fc.constantFrom('float32' as const, 'int32' as const, 'bool' as const),
        order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        seed: fc.integer({ min: 1, max: 1000 }),
      })
      .map((c) => {
        // One axis grown so that the tensor has at least 2^14 elements (the replacement's threshold).
        const shape = [...c.dims];
        const k = c.grow % shape.length;
        const others = shape.reduce((n, d, i) => (i === k ? n : n * d), 1);
        shape[k] = Math.max(shape[k]!, Math.ceil((1 << 14) / others));
        const perm = shape.map((_, i) => i).sort((a, b) => c.order[a]! - c.order[b]! || a - b);
        return { shape, perm, dtype: c.dtype, seed: c.seed };
      });
    await fc.assert(
      fc.asyncProperty(arb, async ({ shape, perm, dtype, seed }) => {
        const run = () => {
          const u = tf.floor(tf.randomUniform(shape, -50, 50, 'float32', seed));
          const x = dtype === 'bool' ? tf.greater(u, 0) : tf.cast(u, dtype);
          return [
            tf.transpose(x, perm),
            tf.transpose(
              tf.slice(
                x,
                shape.map(() => 0),
                shape.map((d) => Math.max(1, d >> 1)),
              ),
              perm,
            ),
          ];
        };
        const ref = await on('cpu', run);
        const ours = await on('wasm', run);
        ref.forEach((r, i) => expect(Array.from(ours[i]!)).toEqual(Array.from(r)));
      }),
      { numRuns: 60 },
    );
    // The Winograd output transform's shape, with a float's bits kept (the first element is -0).
    const winograd = () => [tf.transpose(tf.neg(tf.reshape(tf.range(0, 36 * 5000, 1, 'float32'), [36, 5000])))];
    const a = await on('cpu', winograd);
    const b = await on('wasm', winograd);
    expect(Array.from(new Uint32Array(b[0]!.buffer))).toEqual(Array.from(new Uint32Array(a[0]!.buffer)));
  });

  it('Cast to bool gives true for every non-zero value (as cpu and TensorFlow), not a truncated byte', async () => {
    const values = [0, 0.5, -0.25, 2, -3, 255, 256, 1e-30, -0, Number.NaN, Number.POSITIVE_INFINITY];
    const ints = [0, 7, -2, 256, -256, 2147483647];
    const on = async (backend: 'cpu' | 'wasm'): Promise<number[][]> => {
      await setBackend(backend);
      return tf.tidy(() =>
        [tf.cast(tf.tensor1d(values), 'bool'), tf.cast(tf.tensor1d(ints, 'int32'), 'bool'), tf.cast(tf.cast(tf.tensor1d(values), 'bool'), 'float32')].map((t) =>
          Array.from(t.dataSync()),
        ),
      );
    };
    const cpu = await on('cpu');
    expect(cpu[0]).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1]);
    expect(await on('wasm')).toEqual(cpu);
    const start = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    tf.tidy(() => {
      tf.cast(tf.tensor1d([1, 0]), 'bool');
    });
    expect(tf.memory().numTensors).toBe(start);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
  });

  it('leak no tensors or wasm memory', async () => {
    await setBackend('wasm');
    const a = tf.randomNormal([3, 64, 70]);
    const b = tf.randomNormal([3, 80, 70]);
    const x = tf.randomNormal([4, 5, 6, 7]);
    const start = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let r = 0; r < 3; r++) {
      tf.matMul(a, b, false, true).dispose();
      tf.tidy(() => {
        tf.matMul(tf.reshape(a, [192, 70]), tf.reshape(b, [240, 70]), false, true);
        tf.matMul(a, tf.reshape(tf.slice(b, [0, 0, 0], [1, 80, 70]), [80, 70]), false, true);
      });
      tf.dispose(tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q, false, true)))([a, b]));
      tf.slice(x, [1, 1, 0, 2], [2, 3, 6, 4]).dispose();
      tf.dispose(tf.split(x, [2, 4], 2));
    }
    expect(tf.memory().numTensors).toBe(start);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds); // nothing left on the wasm heap
    tf.dispose([a, b, x]);
  });
});
