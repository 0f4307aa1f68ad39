/**
 * Faster replacements for four TF.js 4.22 wasm kernels and a fix of a fifth, installed
 * over the originals.
 *
 * - `BatchMatMul`: the wasm kernel hands a product to XNNPACK's fully-connected operator
 *   only when neither operand is transposed and there is a single batch; anything else
 *   runs a plain scalar loop, measured 13x slower for `matMul(a, b, false, true)` on
 *   [32768, 128] x [128, 128] (416 ms against 32 ms), and as slow for `transposeA` and
 *   for batched products. Every matMul gradient takes that path (dA = dY Bᵀ,
 *   dB = Aᵀ dY), so a GDN's 1x1 channel mixing cost ~1 s of a batch-2 hyperprior
 *   training step. The wrapper materialises the transposes with wasm's native
 *   `Transpose`, folds a broadcast right operand's batch into the rows of the left one,
 *   and splits other batched products into one product per batch, so every product
 *   reaches XNNPACK. Small products (where per-call overhead would dominate) keep the
 *   original kernel.
 * - `Slice` (and `SplitV`, built on it): the wasm kernel is JavaScript that first copies
 *   the WHOLE input out of the wasm heap (`readSync`) and then copies the slice row by
 *   row, so even a contiguous slice of a few rows of a large tensor costs a full copy
 *   (166 slices of a [25, 16384] filter took 0.46 s of a training step). The
 *   replacement reads the heap in place and copies maximal contiguous runs (trailing
 *   axes the slice spans entirely are merged into one run) with `copyWithin`.
 *
 * - `Cast` to `bool`: the wasm kernel converts the number to a byte (truncating), so
 *   0.5 became false, 2 stayed 2 and -3 became 253, where TensorFlow gives true (1) for
 *   every non-zero value. Casts to bool now run wasm's `NotEqual` against zero.
 *
 * - `Transpose` (large float32 / int32 tensors): the wasm kernel moves element by element
 *   through generic index arithmetic: 0.37 to 0.56 s (up to 35 ns per element, on a loaded
 *   machine) for the [36, 442368] -> [442368, 36] transpose of a Winograd output transform;
 *   three such transposes were about 80 % of the Transpose time of bmshj2018's g_s at
 *   256x384, on the calling thread whatever the XNNPACK threads. The replacement drops
 *   unit axes and merges axes that stay together; what is then the transpose of a matrix of
 *   at most 64 rows it does in blocks of 64 columns (2x to 3x faster on [36, 442368] and
 *   [16, 10⁶]). Other permutations keep TF.js's kernel, which was as fast or faster on them.
 *
 * Results are bit-identical for Slice / SplitV / Transpose; matMul results are the same products
 * summed in XNNPACK's order.
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelFunc = tf.KernelConfig['kernelFunc'];
interface TensorRef {
  dataId: tf.DataId;
  shape: number[];
  dtype: tf.DataType;
}
interface WasmLike {
  disposeData(dataId: tf.DataId): boolean | void;
  makeOutput(shape: number[], dtype: tf.DataType): TensorRef;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

/** Per-batch products smaller than this many multiply-adds keep the original kernel. */
const MIN_BATCH_MACS = 1 << 16;

/** The kernel functions installed here, to recognise them (idempotence). */
const installed = new Set<KernelFunc>();

/** Calls a registered wasm kernel. */
function run(name: string, inputs: Record<string, TensorRef>, backend: unknown, attrs: Record<string, unknown>): TensorRef {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel.kernelFunc({
    inputs: inputs as unknown as tf.NamedTensorInfoMap,
    backend: backend as tf.KernelBackend,
    attrs: attrs as unknown as tf.NamedAttrMap,
  }) as TensorRef;
}

/**
 * `t` under another shape: the same data, not reference-counted again (wasm kernels read
 * only `dataId` and `shape`), so it must not be disposed on its own.
 */
function relabel(t: TensorRef, shape: number[]): TensorRef {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Swaps the last two axes of `t` with the native Transpose kernel. */
function transposeLast(t: TensorRef, backend: unknown): TensorRef {
  const r = t.shape.length;
  const perm = Array.from({ length: r }, (_, i) => (i < r - 2 ? i : i === r - 2 ? r - 1 : r - 2));
  return run('Transpose', { x: t }, backend, { perm });
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Wraps wasm's BatchMatMul (see the file comment). */
function installMatMul(): boolean {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (original === undefined) return false;
  if (installed.has(original.kernelFunc)) return true;
  const base = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as unknown as { a: TensorRef; b: TensorRef };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as unknown as WasmLike;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const fast = !transposeA && !transposeB && batchA === 1 && batchB === 1;
    const batches = Math.max(batchA, batchB);
    if (fast || a.dtype !== 'float32' || b.dtype !== 'float32' || m * n * k < MIN_BATCH_MACS || (batchA !== batchB && batchA !== 1 && batchB !== 1)) {
      return base(args);
    }
    const temps: TensorRef[] = [];
    const keep = (t: TensorRef): TensorRef => {
      temps.push(t);
      return t;
    };
    try {
      const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
      // Plain (untransposed) operands as [batch, rows, cols].
      let a3 = relabel(a, [batchA, a.shape[ra - 2]!, a.shape[ra - 1]!]);
      if (transposeA) a3 = keep(transposeLast(a3, backend));
      let b3 = relabel(b, [batchB, b.shape[rb - 2]!, b.shape[rb - 1]!]);
      if (transposeB) b3 = keep(transposeLast(b3, backend));
      const attrs = { ...args.attrs, transposeA: false, transposeB: false };
      let out: TensorRef;
      if (batchB === 1) {
        // One right operand for every batch: fold the batches into the rows.
        const rows = relabel(a3, [batchA * m, k]);
        out = base({ ...args, inputs: { a: rows, b: relabel(b3, [k, n]) } as unknown as tf.NamedTensorInfoMap, attrs }) as TensorRef;
      } else {
        const parts: TensorRef[] = [];
        for (let i = 0; i < batches; i++) {
          const ai = batchA === 1 ? relabel(a3, [m, k]) : keep(run('Slice', { x: a3 }, backend, { begin: [i, 0, 0], size: [1, m, k] }));
          const bi = keep(run('Slice', { x: b3 }, backend, { begin: [i, 0, 0], size: [1, k, n] }));
          const p = base({
            ...args,
            inputs: { a: relabel(ai, [m, k]), b: relabel(bi, [k, n]) } as unknown as tf.NamedTensorInfoMap,
            attrs,
          }) as TensorRef;
          parts.push(relabel(keep(p), [1, m, n]));
        }
        out = run('Concat', parts as unknown as Record<string, TensorRef>, backend, { axis: 0 });
      }
      const result = { ...out, shape: outShape };
      return result as unknown as tf.TensorInfo;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
  replace(original, kernelFunc);
  return true;
}

/** Registers `kernelFunc` in place of `original` (same name, backend and setup). */
function replace(original: tf.KernelConfig, kernelFunc: KernelFunc): void {
  installed.add(kernelFunc);
  tf.unregisterKernel(original.kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
}

/** Bytes per element of the dtypes the wasm heap holds (strings live outside it). */
function elementBytes(dtype: tf.DataType): 1 | 4 | undefined {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool') return 1;
  return undefined;
}

/**
 * `x[begin : begin + size]` copied on the wasm heap into a new output: maximal
 * contiguous runs, one `copyWithin` each. `undefined` for dtypes the heap does not hold.
 */
function sliceOnHeap(backend: WasmLike, x: TensorRef, begin: readonly number[], size: readonly number[]): TensorRef | undefined {
  const bytes = elementBytes(x.dtype);
  if (bytes === undefined) return undefined;
  const out = backend.makeOutput([...size], x.dtype); // may grow (and so replace) the heap
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  const heap = bytes === 4 ? new Int32Array(backend.wasm.HEAPU8.buffer) : backend.wasm.HEAPU8;
  const src = backend.dataIdMap.get(x.dataId)!.memoryOffset / bytes;
  const dst = backend.dataIdMap.get(out.dataId)!.memoryOffset / bytes;
  const shape = x.shape;
  const rank = shape.length;
  // Merge the trailing axes the slice covers entirely into one run.
  let d = rank - 1;
  let inner = 1;
  while (d >= 0 && begin[d] === 0 && size[d] === shape[d]) {
    inner *= shape[d]!;
    d--;
  }
  if (d < 0) {
    heap.copyWithin(dst, src, src + total);
    return out;
  }
  const run = size[d]! * inner;
  const strides = new Array<number>(rank);
  let stride = 1;
  for (let a = rank - 1; a >= 0; a--) {
    strides[a] = stride;
    stride *= shape[a]!;
  }
  let base = src + begin[d]! * strides[d]!;
  for (let a = 0; a < d; a++) base += begin[a]! * strides[a]!;
  const runs = total / run;
  if (d === 0) {
    heap.copyWithin(dst, base, base + run);
    return out;
  }
  // Odometer over the outer axes 0 .. d - 1.
  const index = new Array<number>(d).fill(0);
  let from = base;
  let to = dst;
  for (let r = 0; r < runs; r++) {
    heap.copyWithin(to, from, from + run);
    to += run;
    let a = d - 1;
    for (; a >= 0; a--) {
      index[a]!++;
      from += strides[a]!;
      if (index[a]! < size[a]!) break;
      from -= strides[a]! * size[a]!;
      index[a] = 0;
    }
  }
  return out;
}

/** Replaces wasm's Slice and SplitV with {@link sliceOnHeap} (see the file comment). */
function installSlice(): boolean {
  const original = tf.getKernel('Slice', 'wasm');
  const originalSplit = tf.getKernel('SplitV', 'wasm');
  if (original === undefined || originalSplit === undefined) return false;
  if (installed.has(original.kernelFunc)) return true;
  const base = original.kernelFunc;
  const slice: KernelFunc = (args) => {
    const { x } = args.inputs as unknown as { x: TensorRef };
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size) as [number[], number[]];
    return (sliceOnHeap(args.backend as unknown as WasmLike, x, b, s) ?? base(args)) as tf.TensorInfo;
  };
  const baseSplit = originalSplit.kernelFunc;
  const splitV: KernelFunc = (args) => {
    const { x } = args.inputs as unknown as { x: TensorRef };
    if (elementBytes(x.dtype) === undefined) return baseSplit(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[ax] = n;
      const part = sliceOnHeap(args.backend as unknown as WasmLike, x, begin, size)!;
      begin[ax]! += n;
      return part;
    }) as unknown as tf.TensorInfo[];
  };
  replace(original, slice);
  replace(originalSplit, splitV);
  return true;
}

/** Transposes of fewer elements than this keep the original kernel (its per-call cost is lower). */
const MIN_TRANSPOSE_ELEMENTS = 1 << 14;

/** Rows of the largest matrix transposed here (the Winograd output transform's has 36). */
const MAX_TRANSPOSE_ROWS = 64;

/** Columns of a matrix transposed together (measured: 64 beat 32 x 32 squares and whole rows on skinny matrices). */
const BLOCK = 64;

/**
 * `x` transposed by `perm`, copied on the wasm heap into a new output, when that is a
 * copy or the transpose of a matrix of at most {@link MAX_TRANSPOSE_ROWS} rows once unit axes
 * are dropped and input axes that stay adjacent and in order are merged (`[36, n]` by
 * `[1, 0]`, but also `[6, 6, n]` by `[2, 0, 1]`), for 4-byte dtypes and large tensors;
 * `undefined` otherwise (the original kernel runs).
 */
function transposeOnHeap(backend: WasmLike, x: TensorRef, perm: readonly number[]): TensorRef | undefined {
  const total = size(x.shape);
  if (elementBytes(x.dtype) !== 4 || total < MIN_TRANSPOSE_ELEMENTS) return undefined;
  // Drop unit axes, then merge runs of the permutation that take consecutive input axes.
  const kept = x.shape.map((d, a) => (d === 1 ? -1 : a)).filter((a) => a >= 0);
  const index = new Map(kept.map((a, i) => [a, i]));
  const p = perm.filter((a) => x.shape[a] !== 1).map((a) => index.get(a)!);
  const groups: number[][] = [];
  for (const a of p) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1]! + 1 === a) last.push(a);
    else groups.push([a]);
  }
  // Merged input axes in input order, and the permutation over them.
  const byStart = [...groups].sort((g, h) => g[0]! - h[0]!);
  const inShape = byStart.map((g) => g.reduce((n, a) => n * x.shape[kept[a]!]!, 1));
  const mergedPerm = groups.map((g) => byStart.indexOf(g));
  const r = inShape.length;
  const identity = mergedPerm.every((a, k) => a === k);
  // Only a plain copy and the transpose of a matrix of few rows are done here: TF.js's
  // kernel was as fast or faster on the other permutations measured (rank 3 and 4 after
  // merging, and matrices such as [1024, 1024] or [442368, 36]).
  if (!identity && (r !== 2 || inShape[0]! > MAX_TRANSPOSE_ROWS)) return undefined;
  const out = backend.makeOutput(
    perm.map((a) => x.shape[a]!),
    x.dtype,
  ); // may grow (and so replace) the heap
  const heap = new Int32Array(backend.wasm.HEAPU8.buffer);
  const src = backend.dataIdMap.get(x.dataId)!.memoryOffset / 4;
  const dst = backend.dataIdMap.get(out.dataId)!.memoryOffset / 4;
  if (identity) {
    heap.copyWithin(dst, src, src + total);
    return out;
  }
  // [rows, cols] -> [cols, rows] a block of BLOCK columns at a time: each input row's piece
  // is read in order and written to BLOCK output rows, which stay in cache.
  const [rows, cols] = inShape as [number, number];
  for (let c0 = 0; c0 < cols; c0 += BLOCK) {
    const c1 = Math.min(cols, c0 + BLOCK);
    for (let row = 0; row < rows; row++) {
      const from = src + row * cols;
      for (let col = c0, to = dst + c0 * rows + row; col < c1; col++, to += rows) heap[to] = heap[from + col]!;
    }
  }
  return out;
}

/** Replaces wasm's Transpose with {@link transposeOnHeap} for large 4-byte tensors (see the file comment). */
function installTranspose(): boolean {
  const original = tf.getKernel('Transpose', 'wasm');
  if (original === undefined) return false;
  if (installed.has(original.kernelFunc)) return true;
  const base = original.kernelFunc;
  const transpose: KernelFunc = (args) => {
    const { x } = args.inputs as unknown as { x: TensorRef };
    const { perm } = args.attrs as unknown as { perm: number[] };
    return (transposeOnHeap(args.backend as unknown as WasmLike, x, perm) ?? base(args)) as tf.TensorInfo;
  };
  replace(original, transpose);
  return true;
}

/** Replaces wasm's Cast so that casts to bool give 0 / 1 (see the file comment). */
function installCastToBool(): boolean {
  const original = tf.getKernel('Cast', 'wasm');
  if (original === undefined) return false;
  if (installed.has(original.kernelFunc)) return true;
  const base = original.kernelFunc;
  const cast: KernelFunc = (args) => {
    const { x } = args.inputs as unknown as { x: TensorRef };
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    if (dtype !== 'bool' || (x.dtype !== 'float32' && x.dtype !== 'int32')) return base(args);
    const backend = args.backend as unknown as WasmLike;
    const zero = backend.makeOutput([], x.dtype);
    const offset = backend.dataIdMap.get(zero.dataId)!.memoryOffset;
    backend.wasm.HEAPU8.fill(0, offset, offset + 4);
    try {
      return run('NotEqual', { a: x, b: zero }, args.backend, {}) as tf.TensorInfo;
    } finally {
      backend.disposeData(zero.dataId);
    }
  };
  replace(original, cast);
  return true;
}

/**
 * Installs the faster wasm `BatchMatMul`, `Slice`, `SplitV` and `Transpose` and the bool `Cast` (idempotent; a no-op
 * until `@tensorflow/tfjs-backend-wasm` has registered its kernels). Called when
 * `@ncomp/core` is imported and when `setBackend('wasm')` has imported the wasm package.
 *
 * @returns Whether the replacements are in place.
 */
export function registerWasmKernels(): boolean {
  const matMul = installMatMul();
  const slice = installSlice();
  const cast = installCastToBool();
  const transpose = installTranspose();
  return matMul && slice && cast && transpose;
}
