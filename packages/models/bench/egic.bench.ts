/**
 * EGIC-ORP at the reference configuration (`EGIC_REFERENCE_CONFIG`, untrained weights):
 * parameter counts by part, then wall times on one image of `--size` (default 512x768, a
 * Kodak image's size) on the chosen backend: `forward` (evaluation mode, alpha 1) cold and
 * warm, `compress`, `decompress` at alpha 1 and 0, and `decompressAt` sweeping alpha over
 * 0, 0.5, 1 from one entropy decode. Milliseconds; one run each (the reference codec is
 * slow on a CPU), after `update()`.
 *
 * Usage: `npx tsx bench/egic.bench.ts [--backend wasm] [--size 512x768]` from packages/models.
 */
import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { performance } from 'node:perf_hooks';
import { EGIC_REFERENCE_CONFIG, egic } from '../src/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

async function time<T>(label: string, f: () => T | Promise<T>): Promise<T> {
  const t = performance.now();
  const out = await f();
  console.log(`${label.padEnd(44)} ${(performance.now() - t).toFixed(0).padStart(8)} ms`);
  return out;
}

async function main(): Promise<void> {
  const backend = arg('--backend', 'wasm');
  const [h, w] = arg('--size', '512x768').split('x').map(Number) as [number, number];
  await setBackend(backend as 'wasm');
  console.log(`backend ${tf.getBackend()}, image ${h}x${w}`);
  const codec = await time('build', () => egic(EGIC_REFERENCE_CONFIG));
  const count = (m: { numParameters(o?: { trainableOnly?: boolean }): number }): string => m.numParameters({ trainableOnly: true }).toLocaleString('en-US');
  console.log(
    `parameters (trainable): g_a ${count(codec.analysis)}, g_s ${count(codec.synthesis)}, entropy model ${count(codec.latentCodec)}, ORP head ${count(codec.orp)}, total ${count(codec)} (${codec.numParameters().toLocaleString('en-US')} with non-trainable state)`,
  );
  codec.update();
  const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const padded = tf.tidy(() =>
    tf.pad(x, [
      [0, 0],
      [0, Math.ceil(h / 64) * 64 - h],
      [0, Math.ceil(w / 64) * 64 - w],
      [0, 0],
    ]),
  ) as tf.Tensor4D;
  for (const label of ['forward, evaluation mode (cold)', 'forward, evaluation mode (warm)']) {
    const f = await time(label, () => {
      const out = codec.forward(padded, { training: false });
      out.xHat.dataSync();
      return out;
    });
    tf.dispose([f.xHat, f.bits, f.bpp]);
  }
  const c = await time('compress', () => codec.compress(x));
  console.log(`  ${c.streams.map((s) => s.length).join(' + ')} bytes (untrained: not a rate figure)`);
  for (const alpha of [1, 0]) {
    const y = await time(`decompress, alpha ${alpha}`, async () => {
      const out = await codec.decompress(c, alpha);
      await out.data();
      return out;
    });
    y.dispose();
  }
  const sweep = await time('decompressAt alpha 0, 0.5, 1 (one entropy decode)', async () => {
    const out = await codec.decompressAt(c, [0, 0.5, 1]);
    for (const o of out) await o.data();
    return out;
  });
  tf.dispose([x, padded, ...sweep]);
  codec.dispose();
}

await main();
