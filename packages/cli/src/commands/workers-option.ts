import { InvalidArgumentError } from '@ncomp/core';
import { availableParallelism } from 'node:os';
import type { CommandContext } from './context.js';
import { parseDecimal } from './parse-number.js';

/** The most threads `--workers auto` picks. */
export const MAX_AUTO_WORKERS = 8;

/**
 * `ncomp train --workers <n|auto>`: the threads that compute each batch's gradients
 * (1, the default: this thread alone). `auto` is one per core (`os.availableParallelism()`),
 * at most the batch size and {@link MAX_AUTO_WORKERS}.
 * @throws InvalidArgumentError for anything but `auto` or an integer in 1..batch size.
 */
export function workersOption(ctx: CommandContext, batchSize: number): number {
  const text = ctx.option('workers');
  if (text === undefined) return 1;
  if (text === 'auto') return Math.max(1, Math.min(availableParallelism(), batchSize, MAX_AUTO_WORKERS));
  const n = parseDecimal(text);
  if (n === undefined || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--workers must be a positive integer or "auto", found "${text}"`);
  if (n > batchSize)
    throw new InvalidArgumentError(
      `--workers ${n} exceeds the batch size ${batchSize}: each thread needs at least one crop of the batch (use at most ${batchSize}, or a larger --batch)`,
    );
  return n;
}
