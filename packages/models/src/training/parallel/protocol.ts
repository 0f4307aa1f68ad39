/**
 * Messages between a {@link DataParallelRdTrainer} and its gradient workers (internal:
 * both sides are this package's code). Tensors travel as Float32Arrays whose buffers are
 * transferred, not copied.
 */
import type { ModelConfig } from '../../zoo/registry.js';

/** `workerData` of a gradient worker: what it builds, and on which backend. */
export interface WorkerInit {
  /** 1-based index (for messages). */
  readonly index: number;
  /** Registry name of the model. */
  readonly model: string;
  /** Its configuration. */
  readonly config: ModelConfig | undefined;
  /** TF.js backend to activate (the main thread's). */
  readonly backend: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
}

/** One variable of the worker's model, as reported when it is ready. */
export interface VariableInfo {
  /** State-dict name. */
  readonly name: string;
  /** Shape. */
  readonly shape: readonly number[];
  /** Data type. */
  readonly dtype: string;
  /** Whether it is trained. */
  readonly trainable: boolean;
}

/** Worker -> main: the model is built. */
export interface ReadyMessage {
  /** Message kind. */
  readonly type: 'ready';
  /** Its variables in `namedVariables()` order. */
  readonly variables: readonly VariableInfo[];
  /** The backend that is active. */
  readonly backend: string;
}

/** Main -> worker: compute the gradients of one slice of a batch. */
export interface StepRequest {
  /** Message kind. */
  readonly type: 'step';
  /** Request number (echoed). */
  readonly id: number;
  /** The synced variables (float32, in the order agreed at start), concatenated. */
  readonly weights: Float32Array<ArrayBuffer>;
  /** The slice, [n, H, W, 3] row-major. */
  readonly images: Float32Array<ArrayBuffer>;
  /** Its shape. */
  readonly shape: readonly [number, number, number, number];
  /** `quality` of the forward pass (undefined: fixed rate). */
  readonly quality: number | undefined;
  /** λ. */
  readonly lambda: number;
  /** Loss weight: slice size / batch size. */
  readonly weight: number;
  /** Quantization noise on. */
  readonly noise: boolean;
}

/** Worker -> main: the gradients of a slice. */
export interface StepReply {
  /** Message kind. */
  readonly type: 'grads';
  /** The request's id. */
  readonly id: number;
  /** Gradients of the trainable variables (in the agreed order), concatenated; zeros where `present` is 0. */
  readonly grads: Float32Array;
  /** Per trainable variable: 1 when the loss reached it. */
  readonly present: Uint8Array;
  /** Slice loss (unweighted). */
  readonly loss: number;
  /** Slice mean bpp. */
  readonly bpp: number;
  /** Slice MSE. */
  readonly mse: number;
}

/** Worker -> main: something threw in the worker. */
export interface ErrorMessage {
  /** Message kind. */
  readonly type: 'error';
  /** The request it answers (undefined: during start-up). */
  readonly id: number | undefined;
  /** `error.name` (an NcompError subclass name, or e.g. `RangeError`). */
  readonly name: string;
  /** `error.message`. */
  readonly message: string;
  /** `error.stack`, when there is one. */
  readonly stack: string | undefined;
}

/** Anything a worker posts. */
export type WorkerMessage = ReadyMessage | StepReply | ErrorMessage;
