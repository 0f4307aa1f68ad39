import { InvalidArgumentError } from '@ncomp/core/errors';

/** Smallest CDF precision (bits) the coders accept. */
export const MIN_PRECISION = 1;
/** Largest CDF precision (bits) the coders accept; CDF totals are at most 2^16. */
export const MAX_PRECISION = 16;

/**
 * Checks that `precision` is an integer in {@link MIN_PRECISION}..{@link MAX_PRECISION}.
 *
 * @param precision - Number of bits of the CDF total (the CDF ends at 2^precision).
 * @param what - Name of the argument, for the error message.
 * @throws InvalidArgumentError when it is not.
 */
export function checkPrecision(precision: number, what = 'precision'): void {
  if (!Number.isInteger(precision) || precision < MIN_PRECISION || precision > MAX_PRECISION) {
    throw new InvalidArgumentError(`${what} must be an integer in ${MIN_PRECISION}..${MAX_PRECISION}, found ${String(precision)}`);
  }
}
