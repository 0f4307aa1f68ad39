import { InvalidArgumentError } from '@ncomp/core/errors';
import type { EntropyCoder } from '../coding/coder.js';
import { rangeCoder } from '../coding/range-coder.js';
import { ransCoder } from '../coding/rans-coder.js';

/** The entropy coder an entropy model uses: `rans` (default, fastest) or `range` (TFC's kind). */
export type CoderName = 'range' | 'rans';

/**
 * The coder called `name`.
 * @throws InvalidArgumentError for an unknown name.
 */
export function coderByName(name: CoderName): EntropyCoder {
  if (name === 'range') return rangeCoder;
  if (name === 'rans') return ransCoder;
  throw new InvalidArgumentError(`coder must be 'range' or 'rans', found ${String(name)}`);
}
