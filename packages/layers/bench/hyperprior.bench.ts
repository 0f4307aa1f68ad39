/**
 * Layer benchmark: the analysis and synthesis transforms of the Ballé et al. 2018 scale
 * hyperprior (N = 128, M = 192; conv 5x5 stride 2 + GDN, mirrored with transposed convs
 * + IGDN) on a 512x768 image, and one training step (forward, MSE, backward, Adam) on a
 * batch of 8 256x256 crops, on the wasm backend (with @ncomp/core's conv gradients and
 * transposed conv) and the stock cpu backend.
 *
 * Usage: `npx tsx bench/hyperprior.bench.ts [--backends wasm,cpu] [--runs 3] [--batch 8]`.
 *
 * Each figure is the median over the runs of the wall-clock time and, in parentheses, of
 * the process's CPU time (user + system): on a machine shared with other jobs the CPU time
 * is the steadier measure of the work done (the wasm backend runs on one thread in Node.js).
 */
import { Module, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { performance } from 'node:perf_hooks';
import { Conv2d, ConvTranspose2d, GDN } from '../src/index.js';

/** g_a of Ballé 2018: 4 x conv 5x5 stride 2 with GDN between. */
class Analysis extends Module {
  private readonly convs: Conv2d[] = [];
  private readonly gdns: GDN[] = [];
  constructor(n: number, m: number) {
    super();
    [3, n, n, n].forEach((cin, i) => this.convs.push(this.addModule(`conv${i}`, new Conv2d(cin, i === 3 ? m : n, 5, { stride: 2, padding: 'same_zeros' }))));
    for (let i = 0; i < 3; i++) this.gdns.push(this.addModule(`gdn${i}`, new GDN(n)));
  }
  call(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      this.convs.forEach((c, i) => {
        y = c.call(y);
        if (i < 3) y = this.gdns[i]!.call(y);
      });
      return y;
    });
  }
}

/** g_s of Ballé 2018: 4 x transposed conv 5x5 stride 2 with IGDN between. */
class Synthesis extends Module {
  private readonly convs: ConvTranspose2d[] = [];
  private readonly gdns: GDN[] = [];
  constructor(n: number, m: number) {
    super();
    [m, n, n, n].forEach((cin, i) =>
      this.convs.push(this.addModule(`tconv${i}`, new ConvTranspose2d(cin, i === 3 ? 3 : n, 5, { stride: 2, padding: 'same_zeros' }))),
    );
    for (let i = 0; i < 3; i++) this.gdns.push(this.addModule(`igdn${i}`, new GDN(n, { inverse: true })));
  }
  call(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      this.convs.forEach((c, i) => {
        y = c.call(y);
        if (i < 3) y = this.gdns[i]!.call(y);
      });
      return y;
    });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Wall-clock and CPU milliseconds of `f`. */
function measure(f: () => void): { wall: number; cpu: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  f();
  const wall = performance.now() - t;
  const d = process.cpuUsage(c);
  return { wall, cpu: (d.user + d.system) / 1000 };
}

/** "wall ms (cpu ms)" medians. */
const show = (ms: { wall: number; cpu: number }[]): string =>
  `${median(ms.map((m) => m.wall)).toFixed(0)} ms (cpu ${median(ms.map((m) => m.cpu)).toFixed(0)} ms)`;

async function main(): Promise<void> {
  const arg = (name: string, fallback: string): string => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1]! : fallback;
  };
  const backends = arg('--backends', 'wasm,cpu').split(',') as Array<'wasm' | 'cpu'>;
  const runs = Number(arg('--runs', '3'));
  const batchSize = Number(arg('--batch', '8'));
  console.log(`Ballé 2018 hyperprior transforms (N=128, M=192): median of ${runs} runs after a warm-up, milliseconds`);
  for (const backend of backends) {
    const report = await setBackend(backend);
    const ga = new Analysis(128, 192);
    const gs = new Synthesis(128, 192);
    const image = tf.randomUniform([1, 512, 768, 3]);
    const latent = tf.tidy(() => tf.round(tf.randomNormal([1, 32, 48, 192], 0, 3)));
    const time = (f: () => tf.Tensor, n: number): { wall: number; cpu: number }[] => {
      const ts: { wall: number; cpu: number }[] = [];
      for (let r = 0; r <= n; r++) {
        const m = measure(() => {
          const y = f();
          y.dataSync();
          y.dispose();
        });
        if (r > 0) ts.push(m);
      }
      return ts;
    };
    const tA = time(() => ga.call(image), runs);
    const tS = time(() => gs.call(latent), runs);
    console.log(`${report.chosen.padEnd(5)} analysis 512x768 ${show(tA)}, synthesis 512x768 ${show(tS)}`);
    const batch = tf.randomUniform([batchSize, 256, 256, 3]);
    const optimizer = tf.train.adam(1e-4);
    const vars = [...ga.trainableVariables(), ...gs.trainableVariables()];
    const stepRuns = backend === 'cpu' ? 1 : runs;
    const steps: { wall: number; cpu: number }[] = [];
    for (let r = 0; r <= stepRuns; r++) {
      const m = measure(() => {
        const loss = optimizer.minimize(() => tf.mean(tf.square(tf.sub(gs.call(ga.call(batch)), batch))) as tf.Scalar, true, vars);
        loss?.dataSync();
        loss?.dispose();
      });
      if (r > 0) steps.push(m);
    }
    console.log(`${report.chosen.padEnd(5)} training step (batch ${batchSize} x 256x256, MSE, Adam) ${show(steps)}`);
    tf.dispose([image, latent, batch]);
    optimizer.dispose();
    ga.dispose();
    gs.dispose();
  }
  console.log(
    'Reference (issue 4): stock TF.js wasm synthesis ~13.7 s; PyTorch on the same 2 cores ~0.6 s; goal < 1 s each, training step >= 10x faster than stock cpu.',
  );
}

await main();
