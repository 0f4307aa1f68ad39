/**
 * Input validation shared by the metrics and losses: every public function checks its
 * tensors here before computing, so bad input fails with a typed error that names the
 * function, the argument, what was expected and what was found.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';

/** `[1, 64, 64, 3]`. */
export function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' ? `a ${ctor.name}` : 'an object';
}

/**
 * Checks that `value` is a live float32 tensor.
 *
 * @throws InvalidArgumentError for a non-tensor, a disposed tensor or another dtype.
 */
export function checkFloatTensor(fn: string, name: string, value: unknown): asserts value is tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new InvalidArgumentError(`${fn}: ${name} must be a tf.Tensor, found ${describeValue(value)}`);
  }
  if (value.isDisposed) throw new InvalidArgumentError(`${fn}: ${name} has been disposed`);
  if (value.dtype !== 'float32') {
    throw new InvalidArgumentError(`${fn}: ${name} must be float32, found ${value.dtype}`);
  }
}

/**
 * Checks that `value` is a live float32 NHWC batch with no empty dimension.
 *
 * @throws InvalidArgumentError (see {@link checkFloatTensor}); ShapeError for a rank
 *   other than 4 or a zero-sized dimension.
 */
export function checkImageBatch(fn: string, name: string, value: unknown): asserts value is tf.Tensor4D {
  checkFloatTensor(fn, name, value);
  if (value.rank !== 4) {
    throw new ShapeError(
      `${fn}: ${name} must be an NHWC batch of rank 4 [batch, height, width, channels], found rank ${value.rank} ` + describeShape(value.shape),
    );
  }
  if (value.size === 0) {
    throw new ShapeError(`${fn}: ${name} must not have an empty dimension, found ${describeShape(value.shape)}`);
  }
}

/**
 * Checks two image batches: both valid NHWC batches (see {@link checkImageBatch}) of
 * the same shape.
 *
 * @throws ShapeError when the shapes differ.
 */
export function checkImagePair(fn: string, x: unknown, y: unknown): void {
  checkImageBatch(fn, 'x', x);
  checkImageBatch(fn, 'y', y);
  if (!tf.util.arraysEqual(x.shape, y.shape)) {
    throw new ShapeError(`${fn}: x and y must have the same shape, found x ${describeShape(x.shape)} and y ${describeShape(y.shape)}`);
  }
}

/**
 * Checks that `value` is a finite number greater than zero (or at least zero with
 * `allowZero`).
 *
 * @throws InvalidArgumentError otherwise.
 */
export function checkPositive(fn: string, name: string, value: unknown, allowZero = false): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidArgumentError(
      `${fn}: ${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, found ${typeof value === 'number' ? value : describeValue(value)}`,
    );
  }
}
