/**
 * The cost of portable bitstreams. On one 512x768 Kodak image (kodim01, from ../shared/data),
 * wasm backend, medians of `--runs` (default 5) after a warm-up, wall time and the process's
 * CPU time (user + system, all threads; steadier than wall time on a loaded machine):
 *
 * - the default model: encode and decode (the portable path: every table from the
 *   deterministic twins) with the twins' products on one thread and on the default thread
 *   count (`startGemmThreads`: the cores, at most 4), each both ways the twins can multiply:
 *   "im2col" (the panels gathered in JavaScript, then the GEMM) and "implicit" (the default:
 *   the kernel reads the zero-padded map in place; the same bits), alternating run by run,
 *   with the ratio implicit / im2col;
 * - the component that changed, its hyper-synthesis, run the old way (TF.js on the backend,
 *   float32, backend-chosen algorithms) and as the `exact()` twin, both ways, on one and on
 *   the default threads; the ratios to the backend;
 * - mric and egic-orp at their small configurations (seeded, untrained weights: times, not
 *   rates), and with `--reference` also at the papers' configurations (slow on a CPU).
 *
 * Usage: `npx tsx bench/portable.bench.ts [--runs 5] [--reference]` from packages/models.
 */
import { exactMap, gemmThreads, setBackend, startGemmThreads, stopGemmThreads, useImplicitConv } from '@ncomp/core';
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

/** Wall and CPU milliseconds (medians). */
interface Time {
  readonly wall: number;
  readonly cpu: number;
}

/** One run of `f`: wall and CPU milliseconds. */
async function once(f: () => Promise<void> | void): Promise<Time> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await f();
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}

/** Medians of `runs` runs of each of `fs` after a warm-up of each, the runs alternating between them. */
async function timedTogether(fs: (() => Promise<void> | void)[]): Promise<Time[]> {
  for (const f of fs) await f();
  const times: Time[][] = fs.map(() => []);
  for (let r = 0; r < runs; r++) for (let i = 0; i < fs.length; i++) times[i]!.push(await once(fs[i]!));
  return times.map((t) => ({ wall: median(t.map((x) => x.wall)), cpu: median(t.map((x) => x.cpu)) }));
}

async function timed(f: () => Promise<void>): Promise<Time> {
  return (await timedTogether([f]))[0]!;
}

/** `f` with the twins' convolutions on the im2col path (`false`) or the implicit one (`true`). */
const via = (implicit: boolean, f: () => Promise<void> | void) => async (): Promise<void> => {
  useImplicitConv(implicit);
  try {
    await f();
  } finally {
    useImplicitConv(true);
  }
};

/** Encode and decode medians, im2col and implicit alternating. */
async function codingTimes(model: ImageCodec, x: tf.Tensor4D): Promise<{ encode: Time[]; decode: Time[]; bytes: number }> {
  let bytes = 0;
  const encode = async (): Promise<void> => {
    const c = await model.compress(x);
    bytes = c.streams.reduce((n, s) => n + s.length, 0);
  };
  const c = await model.compress(x);
  const decode = async (): Promise<void> => {
    const y = await model.decompress(c);
    await y.data();
    y.dispose();
  };
  return {
    encode: await timedTogether([via(false, encode), via(true, encode)]),
    decode: await timedTogether([via(false, decode), via(true, decode)]),
    bytes,
  };
}

const ms = (t: Time): string => `${t.wall.toFixed(0).padStart(7)} ms wall ${t.cpu.toFixed(0).padStart(7)} ms CPU`;
const ratio = (a: Time, b: Time): string => `(x${(a.wall / b.wall).toFixed(2)} wall, x${(a.cpu / b.cpu).toFixed(2)} CPU)`;
const row = (label: string, t: Time, extra = ''): void => console.log(`${label.padEnd(62)} ${ms(t)} ${extra}`);

/** Rows for one model and thread count: encode and decode, im2col then implicit with its ratio. */
function codingRows(label: string, r: { encode: Time[]; decode: Time[] }): void {
  for (const [what, [old, now]] of [
    ['encode', r.encode],
    ['decode', r.decode],
  ] as const) {
    row(`${label}: ${what}, im2col`, old!);
    row(`${label}: ${what}, implicit`, now!, ratio(now!, old!));
  }
}

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
  console.log(`default model, quality 4: ${one.bytes} bytes`);
  codingRows('default model, twins on 1 thread', one);
  codingRows(`default model, twins on ${threads} threads`, t);
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
  const twinBothWays = (): Promise<Time[]> => timedTogether([via(false, () => void twin(zMap)), via(true, () => void twin(zMap))]);
  const [oldHs, newHs] = await twinBothWays();
  await stopGemmThreads();
  await startGemmThreads(1);
  const [oldHsOne, newHsOne] = await twinBothWays();
  await stopGemmThreads();
  await startGemmThreads();
  row('default model h_s on the backend (TF.js, before)', backendHs);
  row('default model h_s twin, 1 thread, im2col', oldHsOne!, ratio(oldHsOne!, backendHs));
  row('default model h_s twin, 1 thread, implicit', newHsOne!, ratio(newHsOne!, backendHs));
  row(`default model h_s twin, ${threads} threads, im2col`, oldHs!, ratio(oldHs!, backendHs));
  row(`default model h_s twin, ${threads} threads, implicit`, newHs!, ratio(newHs!, backendHs));
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
    codingRows(`${label}, ${gemmThreads()} threads`, r);
    m.dispose();
  }
  x.dispose();
}

await main();
