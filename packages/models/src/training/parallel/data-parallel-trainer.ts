import { InvalidArgumentError, ModelMismatchError, NcompError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import type { ResourceLimits } from 'node:worker_threads';
import type { ModelConfig } from '../../zoo/registry.js';
import { rdGradients, type RdGradients } from '../rd-gradients.js';
import type { RdStepDraw, RdTrainer, StepReport } from '../rd-trainer.js';
import { GradientWorker } from './gradient-worker.js';
import { packTensors, splitSizes } from './packing.js';
import type { ReadyMessage, StepReply, WorkerInit } from './protocol.js';

/** Options of {@link DataParallelRdTrainer.start}. */
export interface DataParallelOptions {
  /**
   * Threads that compute gradients, this one included: 2 uses both cores of a 2-core
   * machine (this thread and one worker). At most the trainer's batch size.
   */
  readonly workers: number;
  /** V8 heap limits of each worker thread (Node's defaults when absent; the wasm heap is separate). */
  readonly resourceLimits?: ResourceLimits;
}

/** How a worker thread builds the trained model: its registry name and configuration (see {@link createModel}). */
export interface WorkerModelSpec {
  /** Registry name, e.g. `block-hyperprior`. */
  readonly model: string;
  /** The configuration the trained model was built with. */
  readonly config?: ModelConfig;
}

const BACKENDS: readonly string[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/**
 * Data-parallel rate-distortion training on several threads (Node.js `worker_threads`):
 * each step, the batch that {@link RdTrainer} would train on is split into contiguous
 * slices; this thread computes the gradients of the first slice while each worker thread
 * computes those of another, on its own copy of the model (built from the registry name
 * and configuration) with the current weights sent along; the gradients, each of its
 * slice's loss weighted by the slice's share of the batch, add up to the full batch's.
 * The sum is clipped and applied by the wrapped {@link RdTrainer} exactly as in its own
 * {@link RdTrainer.trainStep}: same level and crop sequences, same loss, clipping, Adam
 * and learning-rate multipliers. Only the quantization noise differs (it is drawn per
 * thread, and is unseeded in both trainers).
 *
 * The wrapped trainer keeps the state: checkpoint it (`writeCheckpoint(dir, dp.trainer, ...)`)
 * and restore it (`restoreTrainer(dp.trainer, checkpoint)`) as usual; a run may resume
 * with another number of workers. A worker that fails or exits makes the step reject with
 * an {@link NcompError} naming it (the ncomp error class of the worker's error when it
 * threw one), after which every worker is terminated and the trainer refuses further
 * steps. Call {@link DataParallelRdTrainer.dispose} when done: it terminates the threads
 * (idle threads do not keep the process alive either).
 *
 * An alternative to the wasm backend's own threads (`SetBackendOptions.wasmThreads`):
 * each gradient worker runs the wasm backend on one thread, so give the main thread's
 * backend one thread too (`setBackend('wasm', { wasmThreads: 1 })`) to keep one thread per
 * core. Each worker holds a model copy and its own backend memory.
 */
export class DataParallelRdTrainer {
  readonly #workers: readonly GradientWorker[];
  readonly #synced: readonly tf.Variable[];
  #failure: NcompError | undefined;
  #disposed = false;
  #busy = false;

  private constructor(
    /** The trainer whose state this one steps (model, sampler, optimizer, generators). */
    readonly trainer: RdTrainer,
    workers: readonly GradientWorker[],
  ) {
    this.#workers = workers;
    this.#synced = [...trainer.model.namedVariables().values()].filter((v) => v.dtype === 'float32');
  }

  /**
   * Starts `workers - 1` worker threads, each building the model of `spec` on the
   * backend active on this thread (each thread has its own TF.js engine), and checks
   * that their models have exactly the variables of `trainer.model`.
   * @param trainer - The single-thread trainer to parallelise (its model must be the one `spec` builds).
   * @param spec - How the workers build the model.
   * @param options - Thread count, heap limits.
   * @throws InvalidArgumentError for a bad thread count or backend; ModelMismatchError when
   *   a worker's model has other variables than the trainer's; an error of the worker's
   *   kind when a worker fails to start (an unknown model name, a bad configuration, a
   *   backend it cannot load). No thread is left running when it throws.
   */
  static async start(trainer: RdTrainer, spec: WorkerModelSpec, options: DataParallelOptions): Promise<DataParallelRdTrainer> {
    const n = options.workers;
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`workers must be a positive integer (threads computing gradients, this one included), found ${n}`);
    if (n > trainer.options.batchSize) {
      throw new InvalidArgumentError(
        `workers (${n}) exceeds the batch size (${trainer.options.batchSize}): each thread needs at least one image of the batch; use at most ${trainer.options.batchSize} workers`,
      );
    }
    const backend = tf.getBackend();
    if (!BACKENDS.includes(backend)) throw new InvalidArgumentError(`data-parallel training runs on the ${BACKENDS.join(', ')} backends, found "${backend}"`);
    const workers: GradientWorker[] = [];
    try {
      for (let i = 1; i < n; i++) {
        const init: WorkerInit = { index: i, model: spec.model, config: spec.config, backend: backend as WorkerInit['backend'] };
        workers.push(new GradientWorker(init, options.resourceLimits));
      }
      const ready = await Promise.all(workers.map((w) => w.ready));
      ready.forEach((r, i) => checkWorkerModel(trainer, r, i + 1, spec));
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new DataParallelRdTrainer(trainer, workers);
  }

  /** Threads computing gradients, this one included. */
  get workers(): number {
    return this.#workers.length + 1;
  }

  /** Worker threads still running: `workers - 1` while usable, 0 once disposed or stopped by a failure. */
  get runningWorkers(): number {
    return this.#workers.filter((w) => !w.exited).length;
  }

  /**
   * One step on the next batch, split over the threads; the same as
   * `trainer.trainStep()` but for the quantization noise.
   * @throws NcompError when a worker fails (the trainer is then stopped), or when the
   *   gradient norm is not finite (as {@link RdTrainer.trainStep}).
   */
  async trainStep(): Promise<StepReport> {
    if (this.#disposed) throw new NcompError('this data-parallel trainer was disposed');
    if (this.#failure) throw new NcompError(`this data-parallel trainer stopped after a worker failed: ${this.#failure.message}`, { cause: this.#failure });
    if (this.#busy) throw new NcompError('a data-parallel training step is already running; await it before starting the next');
    this.#busy = true;
    try {
      const trainer = this.trainer;
      const draw = trainer.beginStep();
      let gradients: RdGradients;
      try {
        gradients = await this.#gradients(draw);
        if (this.#disposed) {
          tf.dispose(Object.values(gradients.grads));
          throw new NcompError('the data-parallel trainer was disposed during this step; the step was not applied');
        }
      } catch (err) {
        if (!this.#failure) this.#failure = err instanceof NcompError ? err : new NcompError(`data-parallel step failed: ${String(err)}`, { cause: err });
        await this.#terminate();
        throw err;
      } finally {
        draw.batch.dispose();
      }
      return trainer.finishStep(draw, gradients);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Terminates the worker threads. A step in flight rejects without being applied; later
   * steps are refused. The wrapped trainer and its model stay usable.
   */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.#terminate();
  }

  async #terminate(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  /** Gradients of the draw's whole batch: this thread's slice, plus each worker's. */
  async #gradients(draw: RdStepDraw): Promise<RdGradients> {
    const trainer = this.trainer;
    const batch = draw.batch;
    const size = batch.shape[0];
    const sizes = splitSizes(size, this.workers);
    const quality = trainer.qualityOf(draw.level);
    const noise = trainer.options.noise ?? true;
    const [, h, w, c] = batch.shape;
    const perImage = h * w * c;
    const images = batch.dataSync() as Float32Array;
    const busy = this.#workers.map((worker, i) => ({ worker, n: sizes[i + 1]! })).filter((t) => t.n > 0);
    const weights = busy.length > 0 ? packTensors(this.#synced) : undefined;
    let start = sizes[0]!;
    // Buffers are transferred: every worker but the last gets a copy of the weights.
    const replies = busy.map(({ worker, n }, i) => {
      const request = {
        weights: i === busy.length - 1 ? weights! : weights!.slice(),
        images: images.slice(start * perImage, (start + n) * perImage),
        shape: [n, h, w, c] as const,
        quality,
        lambda: draw.lambda,
        weight: n / size,
        noise,
      };
      start += n;
      return worker.compute(request);
    });
    // Observe every reply now, so a rejection while this thread computes is never unhandled.
    const settled = Promise.allSettled(replies);
    let local: RdGradients;
    const own = tf.slice(batch, 0, sizes[0]!) as tf.Tensor4D;
    try {
      local = rdGradients(trainer.model, trainer.parameters, own, { quality, lambda: draw.lambda, weight: sizes[0]! / size, noise });
    } finally {
      own.dispose();
    }
    const outcomes = await settled;
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      tf.dispose(Object.values(local.grads));
      throw failed.reason;
    }
    const remote = outcomes.map((o) => (o as PromiseFulfilledResult<StepReply>).value);
    return combine(
      trainer,
      local,
      sizes[0]! / size,
      remote,
      busy.map((t) => t.n / size),
    );
  }
}

/** Sums this thread's gradients and the workers' (weighted slices of one batch) into the batch's. */
function combine(trainer: RdTrainer, local: RdGradients, localWeight: number, remote: readonly StepReply[], remoteWeights: readonly number[]): RdGradients {
  const grads: Record<string, tf.Tensor> = {};
  let offset = 0;
  [...trainer.parameters].forEach(([name, p], i) => {
    const n = p.size;
    const parts: tf.Tensor[] = [];
    const mine = local.grads[name];
    if (mine) parts.push(mine);
    for (const r of remote) if (r.present[i] === 1) parts.push(tf.tensor(r.grads.subarray(offset, offset + n), p.shape, 'float32'));
    offset += n;
    if (parts.length === 1) grads[name] = parts[0]!;
    else if (parts.length > 1) {
      grads[name] = tf.addN(parts);
      tf.dispose(parts);
    }
  });
  const mean = (key: 'loss' | 'bpp' | 'mse'): number => local[key] * localWeight + remote.reduce((s, r, i) => s + r[key] * remoteWeights[i]!, 0);
  return { grads, loss: mean('loss'), bpp: mean('bpp'), mse: mean('mse') };
}

/** Checks a worker's model against the trainer's, variable by variable. */
function checkWorkerModel(trainer: RdTrainer, ready: ReadyMessage, index: number, spec: WorkerModelSpec): void {
  const mine = [...trainer.model.namedVariables()];
  const what = `the model gradient worker ${index} built from ${spec.model} ${JSON.stringify(spec.config ?? {})}`;
  if (ready.backend !== tf.getBackend()) {
    throw new InvalidArgumentError(
      `gradient worker ${index} runs on the ${ready.backend} backend, this thread on ${tf.getBackend()}; the threads must compute on the same backend`,
    );
  }
  if (ready.variables.length !== mine.length) {
    throw new ModelMismatchError(
      `${what} has ${ready.variables.length} variables, the trained model ${mine.length}: pass the registry name and configuration the trained model was built with`,
    );
  }
  mine.forEach(([name, v], i) => {
    const theirs = ready.variables[i]!;
    if (theirs.name !== name || !tf.util.arraysEqual([...theirs.shape], v.shape) || theirs.dtype !== v.dtype || theirs.trainable !== v.trainable) {
      throw new ModelMismatchError(
        `${what} differs from the trained model at variable ${i}: ${theirs.name} [${theirs.shape.join(', ')}] ${theirs.dtype}${theirs.trainable ? '' : ' (frozen)'}, ` +
          `expected ${name} [${v.shape.join(', ')}] ${v.dtype}${v.trainable ? '' : ' (frozen)'}; pass the registry name and configuration the trained model was built with`,
      );
    }
  });
}
