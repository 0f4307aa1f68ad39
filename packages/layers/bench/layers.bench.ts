/**
 * Per-layer benchmark: forward and forward+backward (gradients w.r.t. the input and every
 * trainable variable) of each layer type on a [B, 64, 64, 64] input (B 64x64 maps, 64
 * channels; B = `--batch`, default 4), on the wasm backend (with @ncomp/core's conv gradient
 * kernels) and the stock cpu backend. Median of `--runs` runs after a warm-up (cpu: 1 run),
 * milliseconds, and the cpu / wasm ratio when both ran.
 *
 * Usage: `npx tsx bench/layers.bench.ts [--backends wasm,cpu] [--runs 3] [--batch 4]`.
 */
import { type Module, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { performance } from 'node:perf_hooks';
import {
  ChannelNorm,
  Conv2d,
  ConvTranspose2d,
  GDN,
  HificResidualBlock,
  ResidualBottleneckBlock,
  SimplifiedAttention,
  SpectralNormConv2d,
  SubpixelConv2d,
  WeightNormConv2d,
} from '../src/index.js';

type Callable = Module & { call(x: tf.Tensor, training?: boolean): tf.Tensor };

const C = 64;
const LAYERS: Array<[string, () => Callable]> = [
  ['Conv2d 3x3', () => new Conv2d(C, C, 3)],
  ['Conv2d 5x5 stride 2', () => new Conv2d(C, C, 5, { stride: 2 })],
  ['ConvTranspose2d 5x5 stride 2', () => new ConvTranspose2d(C, C, 5, { stride: 2 })],
  ['SubpixelConv2d x2', () => new SubpixelConv2d(C, C)],
  ['GDN', () => new GDN(C)],
  ['IGDN', () => new GDN(C, { inverse: true })],
  ['ChannelNorm', () => new ChannelNorm(C)],
  ['ResidualBottleneckBlock', () => new ResidualBottleneckBlock(C)],
  ['SimplifiedAttention', () => new SimplifiedAttention(C)],
  ['HificResidualBlock', () => new HificResidualBlock(C)],
  ['SpectralNormConv2d 4x4 stride 2 (training)', () => new SpectralNormConv2d(C, C, 4, { stride: 2 })],
  ['WeightNormConv2d 3x3', () => new WeightNormConv2d(C, C, 3)],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function measure(f: () => void, runs: number): number {
  f();
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: string): string => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1]! : fallback;
  };
  const backends = arg('--backends', 'wasm,cpu').split(',') as Array<'wasm' | 'cpu'>;
  const runs = Number(arg('--runs', '3'));
  const batch = Number(arg('--batch', '4'));
  const results = new Map<string, string[]>();
  const raw = new Map<string, [number, number]>();
  for (const backend of backends) {
    await setBackend(backend);
    const n = backend === 'cpu' ? 1 : runs;
    const x = tf.randomNormal([batch, 64, 64, C]);
    for (const [name, make] of LAYERS) {
      const layer = make();
      process.stderr.write(`${backend}: ${name}\n`);
      // (Nothing returned from the tidy: tidy walks a returned TypedArray element by element.)
      const fwd = measure(() => tf.tidy(() => void layer.call(x, true).dataSync()), n);
      const vars = layer.trainableVariables();
      const bwd = measure(() => {
        const xv = tf.variable(x);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layer.call(xv, true))) as tf.Scalar, [xv, ...vars]);
        for (const g of Object.values(grads)) g.dataSync();
        tf.dispose([value, ...Object.values(grads)]);
        xv.dispose();
      }, n);
      results.set(name, [...(results.get(name) ?? []), fwd.toFixed(1), bwd.toFixed(1)]);
      raw.set(`${backend} ${name}`, [fwd, bwd]);
      layer.dispose();
    }
    x.dispose();
  }
  const both = backends.includes('wasm') && backends.includes('cpu');
  const header = [
    `layer ([${batch}, 64, 64, 64] input)`,
    ...backends.flatMap((b) => [`${b} fwd`, `${b} fwd+bwd`]),
    ...(both ? ['cpu/wasm fwd', 'cpu/wasm fwd+bwd'] : []),
  ];
  const rows = [...results].map(([name, cells]) => {
    if (!both) return [name, ...cells];
    const w = raw.get(`wasm ${name}`)!;
    const c = raw.get(`cpu ${name}`)!;
    return [name, ...cells, `${(c[0] / w[0]).toFixed(1)}x`, `${(c[1] / w[1]).toFixed(1)}x`];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`Per-layer timings, milliseconds (median of ${runs} on wasm, 1 run on cpu)`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

await main();
