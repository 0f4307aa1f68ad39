import { InvalidArgumentError, ShapeError } from '@ncomp/core/errors';
import type { CdfTables } from './cdf-tables.js';

/**
 * Checks one value before coding.
 * @throws InvalidArgumentError unless `value` is an int32.
 */
export function checkValue(value: number): void {
  if (!((value | 0) === value)) {
    throw new InvalidArgumentError(`values must be int32 integers, found ${String(value)}`);
  }
}

/**
 * Checks one table index.
 * @throws InvalidArgumentError unless `0 <= index < tables.count` and integer.
 */
export function checkIndex(index: number, tables: CdfTables): void {
  if (!(index >>> 0 === index && index < tables.count)) {
    throw new InvalidArgumentError(`table index must be an integer in 0..${tables.count - 1}, found ${String(index)}`);
  }
}

/**
 * Checks that a bulk encode got one index per value.
 * @throws ShapeError when the lengths differ.
 */
export function checkLengths(values: ArrayLike<number>, indexes: ArrayLike<number>): void {
  if (values.length !== indexes.length) {
    throw new ShapeError(`values and indexes must have the same length, found ${values.length} and ${indexes.length}`);
  }
}
