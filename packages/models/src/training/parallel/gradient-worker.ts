import { NcompError } from '@ncomp/core';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { ReadyMessage, StepReply, StepRequest, WorkerInit, WorkerMessage } from './protocol.js';
import { remoteError } from './remote-error.js';

const SCRIPT = 'gradient-worker-main.js';

/**
 * The worker script's URL. From the built package it sits beside this module in `dist/`;
 * when this module runs from its TypeScript source (vitest, tsx), the worker still runs
 * the built JavaScript in `dist/`, since a worker thread does not go through the test
 * runner's transform.
 * @throws NcompError when the script is missing (the package was not built).
 */
export function workerScriptUrl(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = fromSource ? new URL(`../../../dist/training/parallel/${SCRIPT}`, import.meta.url) : new URL(`./${SCRIPT}`, import.meta.url);
  if (!existsSync(url)) {
    throw new NcompError(
      `the gradient worker script ${fileURLToPath(url)} does not exist; ` +
        (fromSource
          ? 'running from the TypeScript sources, worker threads use the built package: run `npm run build` first'
          : 'this @ncomp/models installation is incomplete (reinstall it)'),
    );
  }
  return url;
}

interface Pending<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (err: Error) => void;
}

/** What {@link GradientWorker.compute} sends besides the message kind and id. */
export type ComputeRequest = Omit<StepRequest, 'type' | 'id'>;

/**
 * The main thread's handle on one gradient worker thread: start-up handshake, one step
 * request at a time, and failure handling. A worker that reports an error, crashes,
 * exits or is terminated rejects whatever is pending and every later request with an
 * {@link NcompError} saying which worker and why; it is terminated at once. An idle
 * worker does not keep the process alive (it is `unref`ed between requests).
 */
export class GradientWorker {
  readonly #worker: Worker;
  readonly #ready: Promise<ReadyMessage>;
  #onReady: Pending<ReadyMessage> | undefined;
  #pending: (Pending<StepReply> & { readonly id: number }) | undefined;
  #failure: NcompError | undefined;
  #terminating = false;
  #exited = false;
  #nextId = 1;

  /**
   * Starts the thread; {@link GradientWorker.ready} resolves when its model is built.
   * @param init - Model, configuration, backend and the worker's index.
   * @param resourceLimits - Optional V8 heap limits of the thread.
   */
  constructor(
    readonly init: WorkerInit,
    resourceLimits?: ResourceLimits,
  ) {
    this.#ready = new Promise<ReadyMessage>((resolve, reject) => {
      this.#onReady = { resolve, reject };
    });
    this.#ready.catch(() => undefined); // observed by the caller of `ready`; never unhandled
    this.#worker = new Worker(workerScriptUrl(), { workerData: init, ...(resourceLimits ? { resourceLimits } : {}) });
    this.#worker.on('message', (m: WorkerMessage) => this.#message(m));
    this.#worker.on('error', (err: Error) => this.#fail(new NcompError(`gradient worker ${init.index} crashed: ${err.message}`, { cause: err })));
    this.#worker.on('messageerror', (err: Error) =>
      this.#fail(new NcompError(`gradient worker ${init.index} sent a message that could not be read: ${err.message}`, { cause: err })),
    );
    this.#worker.on('exit', (code: number) => {
      this.#exited = true;
      this.#fail(
        this.#terminating
          ? new NcompError(`gradient worker ${init.index} was terminated (the data-parallel trainer was disposed or another worker failed)`)
          : new NcompError(`gradient worker ${init.index} exited unexpectedly with code ${code}`),
      );
    });
  }

  /** Resolves with the worker's model description once it is built; rejects if it fails first. */
  get ready(): Promise<ReadyMessage> {
    return this.#ready;
  }

  /** Whether the thread has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** The error that stopped this worker, if one did. */
  get failure(): NcompError | undefined {
    return this.#failure;
  }

  /**
   * Sends one slice and resolves with its gradients.
   * @param request - Weights, slice and loss settings (their buffers are transferred).
   */
  compute(request: ComputeRequest): Promise<StepReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#pending) return Promise.reject(new NcompError(`gradient worker ${this.init.index} is still computing the previous step`));
    const id = this.#nextId++;
    return new Promise<StepReply>((resolve, reject) => {
      this.#pending = { id, resolve, reject };
      this.#worker.ref();
      const message: StepRequest = { type: 'step', id, ...request };
      this.#worker.postMessage(message, [request.weights.buffer, request.images.buffer]);
    });
  }

  /** Stops the thread (pending work is rejected); resolves when it has exited. */
  async terminate(): Promise<void> {
    this.#terminating = true;
    if (this.#exited) return;
    this.#worker.ref(); // an idle worker is unref'ed: without this, nothing would keep the process alive until it has exited
    await this.#worker.terminate();
  }

  #message(m: WorkerMessage): void {
    if (m.type === 'ready') {
      this.#idle();
      this.#onReady?.resolve(m);
      this.#onReady = undefined;
    } else if (m.type === 'grads') {
      const pending = this.#pending;
      if (!pending || pending.id !== m.id) {
        this.#fail(new NcompError(`gradient worker ${this.init.index} answered request ${m.id}, which is not pending`));
        return;
      }
      this.#pending = undefined;
      this.#idle();
      pending.resolve(m);
    } else {
      this.#fail(remoteError(this.init.index, m.id === undefined ? 'to start' : 'in a training step', m));
    }
  }

  /** Lets the process exit while this worker waits for work (not while it is being terminated: the exit must be awaited). */
  #idle(): void {
    if (!this.#terminating) this.#worker.unref();
  }

  #fail(err: NcompError): void {
    this.#failure ??= err;
    this.#onReady?.reject(this.#failure);
    this.#onReady = undefined;
    this.#pending?.reject(this.#failure);
    this.#pending = undefined;
    if (!this.#exited && !this.#terminating) void this.terminate();
  }
}
