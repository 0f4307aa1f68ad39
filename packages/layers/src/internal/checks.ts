/**
 * Argument and input checks shared by the layers. Each throws a typed error that names the
 * layer, what was expected and what was found.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';

/** Describes a tensor as `float32 [1, 17, 23, 3]`. */
export function describe(t: tf.Tensor): string {
  return `${t.dtype} [${t.shape.join(', ')}]`;
}

/** Throws unless `value` is an integer >= `min` (default 1). */
export function checkInteger(owner: string, name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${owner}: ${name} must be an integer >= ${min}, found ${String(value)}`);
  }
}

/** Throws unless `value` is a finite number > 0. */
export function checkPositive(owner: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${owner}: ${name} must be a finite number > 0, found ${String(value)}`);
  }
}

/** A pair `[height, width]` from a number or a pair, each an integer >= `min`. */
export function pair(owner: string, name: string, value: number | readonly [number, number], min = 1): [number, number] {
  if (typeof value !== 'number' && !(Array.isArray(value) && value.length === 2)) {
    throw new InvalidArgumentError(`${owner}: ${name} must be a number or a pair of numbers, found ${String(value)}`);
  }
  const p: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  checkInteger(owner, `${name}[0]`, p[0], min);
  checkInteger(owner, `${name}[1]`, p[1], min);
  return p;
}

/** Throws unless `x` is a float32 tensor of rank 4 (NHWC) with `channels` channels. */
export function checkNhwc(owner: string, x: tf.Tensor, channels: number): asserts x is tf.Tensor4D {
  checkTensor(owner, 'input', x);
  if (x.rank !== 4 || x.shape[3] !== channels) {
    throw new ShapeError(`${owner}: expected a float32 NHWC tensor [batch, height, width, ${channels}], found ${describe(x)}`);
  }
  if (x.dtype !== 'float32') {
    throw new InvalidArgumentError(`${owner}: expected a float32 NHWC tensor, found ${describe(x)}`);
  }
}

/**
 * Throws unless `x` is a float32 tensor of rank >= `minRank` whose last (channel) axis
 * has `channels` entries.
 */
export function checkChannelsLast(owner: string, x: tf.Tensor, channels: number, minRank = 2): void {
  checkTensor(owner, 'input', x);
  if (x.rank < minRank || x.shape[x.rank - 1] !== channels) {
    throw new ShapeError(`${owner}: expected a float32 tensor of rank >= ${minRank} with ${channels} channels on the last axis, found ${describe(x)}`);
  }
  if (x.dtype !== 'float32') {
    throw new InvalidArgumentError(`${owner}: expected a float32 tensor, found ${describe(x)}`);
  }
}

/** Throws unless `x` is a live tf.Tensor. */
export function checkTensor(owner: string, name: string, x: unknown): asserts x is tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw new InvalidArgumentError(`${owner}: ${name} must be a tf.Tensor, found ${x === null ? 'null' : typeof x}`);
  }
  if (x.isDisposed) throw new InvalidArgumentError(`${owner}: ${name} has been disposed`);
}

/** Validates the four channel widths of an ELIC-style transform. */
export function checkElicChannels(owner: string, channels: readonly number[]): readonly [number, number, number, number] {
  if (!Array.isArray(channels) || channels.length !== 4) {
    throw new InvalidArgumentError(`${owner}: channels must list the widths of the 4 convolutions, found ${String(channels)}`);
  }
  channels.forEach((c, i) => checkInteger(owner, `channels[${i}]`, c));
  return channels as unknown as readonly [number, number, number, number];
}
