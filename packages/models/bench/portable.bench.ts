/**
 * The cost of portable bitstreams. On one 512x768 Kodak image (kodim01, from ../shared/data),
 * wasm backend, medians of `--runs` (default 5) after a warm-up:
 *
 * - the default model: encode and decode (the portable path: every table from the
 *   deterministic twins) with the twins' products on one thread and on the default thread
 *   count (`startGemmThreads`: the cores, at most 4), and the component that changed, its
 *   hyper-synthesis, run the old way (TF.js on the backend, float32, backend-chosen
 *   algorithms) and the portable way (the `exact()` twin: im2col + the WebAssembly float32
 *   GEMM) on one and on the default threads; the ratios;
 * - mric and egic-orp at their small configurations (seeded, untrained weights: times, not
 *   rates), and with `--reference` also at the papers' configurations (slow on a CPU).
 *
 * Usage: `npx tsx bench/portable.bench.ts [--runs 5] [--reference]` from packages/models.
 */
import { exactMap, setBackend, startGemmThreads, stopGemmThreads } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import {
  DEFAULT_MODEL_FILE,
  EGIC_REFERENCE_CONFIG,
  EGIC_SMALL_CONFIG,
  MRIC_REFERENCE_CONFIG,
  MRIC_SMALL_CONFIG,
  createModel,
  loadModelBytes,
  type ImageCodec,
} from '../src/index.node.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] ?? 5) || 5;
const reference = process.argv.includes('--reference');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(f: () => Promise<void>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function codingTimes(model: ImageCodec, x: tf.Tensor4D): Promise<{ encode: number; decode: number; bytes: number }> {
  let bytes = 0;
  const encode = await timed(async () => {
    const c = await model.compress(x);
    bytes = c.streams.reduce((n, s) => n + s.length, 0);
  });
  const c = await model.compress(x);
  const decode = await timed(async () => {
    const y = await model.decompress(c);
    await y.data();
    y.dispose();
  });
  return { encode, decode, bytes };
}

const row = (label: string, ms: number, extra = ''): void => console.log(`${label.padEnd(58)} ${ms.toFixed(0).padStart(7)} ms ${extra}`);

async function main(): Promise<void> {
  await setBackend('wasm');
  const file = new URL('../../../../shared/data/kodak/kodim01.png', import.meta.url).pathname;
  if (!existsSync(file)) throw new Error(`${file} is absent (../shared/data beside the repository)`);
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const x = tf.tidy(() => tf.div(tf.tensor4d(new Uint8Array(data), [1, info.height, info.width, 3], 'int32'), 255) as tf.Tensor4D);
  console.log(`portable bitstreams, wasm backend, ${info.width}x${info.height}, median of ${runs} runs\n`);

  const { model } = await loadModelBytes(new Uint8Array(readFileSync(DEFAULT_MODEL_FILE)));
  await stopGemmThreads();
  await startGemmThreads(1); // pinned: the codec's own start call keeps it
  const one = await codingTimes(model, x);
  await stopGemmThreads();
  const threads = await startGemmThreads();
  const t = await codingTimes(model, x);
  row('default model: encode (quality 4), twins on 1 thread', one.encode, `(${one.bytes} bytes)`);
  row(`default model: encode, twins on ${threads} threads`, t.encode, `(x${(t.encode / one.encode).toFixed(2)})`);
  row('default model: decode, twins on 1 thread', one.decode);
  row(`default model: decode, twins on ${threads} threads`, t.decode, `(x${(t.decode / one.decode).toFixed(2)})`);
  const hs = model.latentCodec as unknown as {
    hyperSynthesis: { call(z: tf.Tensor): tf.Tensor; exact(): Promise<(m: ReturnType<typeof exactMap>) => unknown> };
  };
  const [h, w] = [info.height / 32, info.width / 32];
  const z = tf.randomNormal([1, h, w, 64], 0, 2, 'float32', 1) as tf.Tensor4D;
  const backendHs = await timed(async () => {
    const y = hs.hyperSynthesis.call(z);
    await y.data();
    y.dispose();
  });
  const twin = await hs.hyperSynthesis.exact();
  const zMap = exactMap(h, w, 64, Float64Array.from(await z.data()));
  const exactHs = await timed(async () => {
    twin(zMap);
  });
  await stopGemmThreads();
  await startGemmThreads(1);
  const exactHsOne = await timed(async () => {
    twin(zMap);
  });
  await stopGemmThreads();
  await startGemmThreads();
  row('default model h_s on the backend (TF.js, before)', backendHs);
  row('default model h_s, deterministic twin, 1 thread', exactHsOne, `(x${(exactHsOne / backendHs).toFixed(2)})`);
  row(`default model h_s, deterministic twin, ${threads} threads`, exactHs, `(x${(exactHs / backendHs).toFixed(2)})`);
  z.dispose();
  model.dispose();

  const configs: [string, string, object][] = [
    ['mric (small)', 'mric', MRIC_SMALL_CONFIG],
    ['egic-orp (small)', 'egic-orp', EGIC_SMALL_CONFIG],
    ...(reference
      ? ([
          ['mric (reference)', 'mric', MRIC_REFERENCE_CONFIG],
          ['egic-orp (reference)', 'egic-orp', EGIC_REFERENCE_CONFIG],
        ] as [string, string, object][])
      : []),
  ];
  for (const [label, name, config] of configs) {
    const m = createModel(name, config as never);
    m.update();
    const r = await codingTimes(m, x);
    row(`${label}: encode`, r.encode);
    row(`${label}: decode`, r.decode);
    m.dispose();
  }
  x.dispose();
}

await main();
