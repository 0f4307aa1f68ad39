/**
 * Backend benchmark (issue 15): per backend, the default model's encode and decode of a
 * 512x768 Kodak image (`await model.compress(x)`, `await model.decompress(c)`), the Ballé
 * 2018 hyperprior's (registry `bmshj2018`, N 128, M 192) g_a on 512x768 and g_s back to
 * it, and one rate-distortion training step of that model (`RdTrainer`, batch 8 of 256x256
 * Kodak crops). Backends: wasm on 1 thread, wasm on every core (at most 8: TF.js's pool),
 * and webgpu when Dawn finds an adapter (a software one such as Mesa's lavapipe too).
 *
 * Each backend runs in a child process of its own (a TF.js backend is chosen once per
 * process, and a wasm thread count applies only at its first initialisation). The children
 * are asked in turns, one measurement at a time (wasm-1, wasm-N, webgpu, wasm-1, ...), so
 * that a load that comes and goes on a shared machine weighs on all of them alike. Printed:
 * the median wall time, the median CPU time of the child (all its threads), the ratio of
 * each backend's median to wasm on 1 thread, and the load average before and after.
 *
 * Usage (from packages/cli, after `npm run build`):
 * `npx tsx bench/backends.bench.ts [--runs 5] [--webgpu-runs 1] [--webgpu-train] [--backends wasm-1,wasm-all,webgpu]
 * [--tasks encode,decode,g_a,g_s,train]`.
 * On lavapipe a webgpu training step of that size takes minutes: it runs only with `--webgpu-train`.
 */
import { onReadableBackend, setBackend } from '@ncomp/core';
import { DEFAULT_MODEL_FILE, RandomCropSampler, RdTrainer, createModel, loadModelFile, type CompressedImage, type RgbImage } from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readImage } from '../src/image/read-image.js';

const TASKS = ['encode', 'decode', 'g_a', 'g_s', 'train'] as const;
type Task = (typeof TASKS)[number];
const LABELS: Record<Task, string> = {
  encode: 'default model encode 512x768',
  decode: 'default model decode 512x768',
  g_a: 'bmshj2018 g_a 512x768',
  g_s: 'bmshj2018 g_s 512x768',
  train: 'bmshj2018 training step, 8 x 256x256',
};

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}
type Reply = { readonly ok: true; readonly timing: Timing } | { readonly ok: false; readonly error: string };

const KODAK = fileURLToPath(new URL('../../../../shared/data/kodak/', import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const loads = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n', 1)[0]!.slice(0, 160);

/** Kodak images as 8-bit RGB, for the training crops. */
async function kodakImages(count: number): Promise<RgbImage[]> {
  const out: RgbImage[] = [];
  for (let i = 1; i <= count; i++) {
    const path = `${KODAK}kodim${String(i).padStart(2, '0')}.png`;
    if (!existsSync(path)) break;
    const { rgb, width, height } = await readImage(path);
    out.push({ pixels: Uint8Array.from(rgb, (v) => Math.round(v * 255)), width, height });
  }
  return out;
}

/** The child: chooses its backend, builds the workloads, then answers one task per message. */
async function child(backend: string): Promise<void> {
  const send = (reply: Reply): void => void process.send!(reply);
  // wasm-all asks for its threads: the default thread count depends on NCOMP_WASM_THREADS.
  const threads = backend === 'wasm-1' ? 1 : backend === 'wasm-all' ? Math.min(availableParallelism(), 8) : undefined;
  const report = await setBackend(backend === 'webgpu' ? 'webgpu' : 'wasm', threads === undefined ? {} : { wasmThreads: threads });
  const { model } = await loadModelFile(DEFAULT_MODEL_FILE);
  const kodim01 = await readImage(`${KODAK}kodim01.png`);
  // Kodak images are 768x512 landscape (some portrait): take kodim01 as 512 rows of 768.
  const x = tf.tensor4d(kodim01.rgb, [1, kodim01.height, kodim01.width, 3]);
  // On webgpu, parts of ncomp that still read synchronously fail: the task reports the error.
  let coded: CompressedImage | undefined;
  try {
    coded = await model.compress(x);
  } catch {
    coded = undefined;
  }
  // Building the entropy models reads tensors synchronously: on a readable backend (as loadModelFile does).
  const hyperprior = await onReadableBackend(() => createModel('bmshj2018', { N: 128, M: 192 }));
  const latent = tf.tidy(() => hyperprior.analysis.call(x));
  const sampler = new RandomCropSampler(await kodakImages(8), 256, 1);
  const trainer = new RdTrainer(hyperprior, sampler, { steps: 1000, batchSize: 8, lambda: 0.01, seed: 1 });
  const run: Record<Task, () => Promise<unknown>> = {
    encode: async () => {
      coded = await model.compress(x);
    },
    decode: async () => {
      if (coded === undefined) throw new Error('nothing to decode: encode failed');
      (await model.decompress(coded)).dispose();
    },
    g_a: async () => {
      const y = tf.tidy(() => hyperprior.analysis.call(x));
      await y.data();
      y.dispose();
    },
    g_s: async () => {
      const y = tf.tidy(() => hyperprior.synthesis.call(latent));
      await y.data();
      y.dispose();
    },
    train: async () => trainer.trainStepAsync(),
  };
  process.on('message', (task: Task) => {
    void (async () => {
      try {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await run[task]();
        const wall = performance.now() - t0;
        const c = process.cpuUsage(c0);
        send({ ok: true, timing: { wall, cpu: (c.user + c.system) / 1000 } });
      } catch (e) {
        send({ ok: false, error: message(e) });
      }
    })();
  });
  send({ ok: false, error: `ready: ${report.reason.split(' (passed over')[0]}` });
}

/** A running child and its measurements. */
interface Runner {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly ask: (task: Task) => Promise<Reply>;
  readonly timings: Map<Task, Timing[]>;
  readonly errors: Map<Task, string>;
  detail: string;
}

function start(name: string): Promise<Runner | string> {
  const proc = fork(fileURLToPath(import.meta.url), ['--child', name], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const next = (): Promise<Reply> =>
    new Promise((resolve) => {
      const onMessage = (r: Reply): void => {
        proc.off('exit', onExit);
        resolve(r);
      };
      const onExit = (code: number | null): void => {
        proc.off('message', onMessage);
        const lines = stderr.split('\n').filter((l) => /Error/.test(l));
        resolve({ ok: false, error: `exited (${code}): ${(lines[0] ?? stderr.trim().slice(-200)).slice(0, 200)}` });
      };
      proc.once('message', onMessage);
      proc.once('exit', onExit);
    });
  return next().then((first): Runner | string => {
    if (first.ok || !first.error.startsWith('ready: ')) {
      proc.kill();
      return first.ok ? 'unexpected reply' : first.error;
    }
    const ask = (task: Task): Promise<Reply> => {
      const reply = next();
      proc.send(task);
      return reply;
    };
    return { name, proc, ask, timings: new Map(), errors: new Map(), detail: first.error.slice('ready: '.length) };
  });
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs', '5'));
  const webgpuRuns = Number(arg('--webgpu-runs', '1'));
  const webgpuTrain = process.argv.includes('--webgpu-train');
  const allThreads = Math.min(availableParallelism(), 8);
  const names = arg('--backends', 'wasm-1,wasm-all,webgpu').split(',');
  const tasks = arg('--tasks', TASKS.join(',')).split(',') as Task[];
  const unknown = tasks.filter((t) => !TASKS.includes(t));
  if (unknown.length > 0) throw new Error(`unknown --tasks ${unknown.join(', ')}: choose among ${TASKS.join(', ')}`);
  console.log(`backends benchmark: ${runs} measured runs after 1 warm-up (webgpu ${webgpuRuns}), children asked in turns`);
  console.log(`load average (1, 5, 15 min) before: ${loads()}`);
  const runners: Runner[] = [];
  for (const name of names) {
    const r = await start(name);
    if (typeof r === 'string') console.log(`${name}: not run (${r})`);
    else {
      console.log(`${name}: ${r.detail}`);
      runners.push(r);
    }
  }
  for (const task of tasks) {
    const rounds = Math.max(runs, webgpuRuns) + 1;
    for (let round = 0; round < rounds; round++) {
      for (const r of runners) {
        const isGpu = r.name === 'webgpu';
        if (r.errors.has(task) || round > (isGpu ? webgpuRuns : runs)) continue;
        if (isGpu && task === 'train' && !webgpuTrain) {
          r.errors.set(task, 'not run (pass --webgpu-train)');
          continue;
        }
        const reply = await r.ask(task);
        if (!reply.ok) r.errors.set(task, reply.error);
        else if (round > 0) r.timings.set(task, [...(r.timings.get(task) ?? []), reply.timing]);
      }
    }
  }
  console.log(`load average (1, 5, 15 min) after: ${loads()}`);
  const header = runners.map((r) => (r.name === 'wasm-all' ? `wasm-${allThreads}` : r.name));
  console.log(`\n| ms: median wall (median CPU of the process), speed-up over wasm-1 | ${header.join(' | ')} |`);
  console.log(`| --- | ${header.map(() => '---').join(' | ')} |`);
  for (const task of tasks) {
    const base = runners[0]?.timings.get(task);
    const cells = runners.map((r) => {
      const t = r.timings.get(task);
      if (t === undefined || t.length === 0) return r.errors.get(task) ?? 'no run';
      const wall = median(t.map((m) => m.wall));
      const ratio = base !== undefined && base.length > 0 ? ` x${(median(base.map((m) => m.wall)) / wall).toFixed(2)}` : '';
      return `${wall.toFixed(0)} (${median(t.map((m) => m.cpu)).toFixed(0)})${ratio}`;
    });
    console.log(`| ${LABELS[task]} | ${cells.join(' | ')} |`);
  }
  console.log(
    '\nAnchor (issue 15, this 2-core machine): onnxruntime-node 1.20 g_a 128 ms, g_s 220 ms on 2 threads (210 / 304 on 1); goal: wasm on 2 threads >= 1.7x faster than on 1.',
  );
  for (const r of runners) r.proc.kill();
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await child(process.argv[childAt + 1]!);
else await main();
