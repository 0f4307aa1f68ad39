/**
 * Lower bounds on the coded size of a latent codec's streams, from its entropy models'
 * integer tables: what {@link LatentCodec.minStreamBits} implementations compose.
 */

/** An entropy model that can say what one coded value costs at least, per table. */
export interface HasMinCodeLengths {
  /** See `ContinuousEntropyModelBase.minCodeLengths` in @ncomp/entropy. */
  minCodeLengths(): Float64Array;
}

/**
 * Bits at least spent on `positions` values per table of a factorized model, where table
 * t codes channel t at every position (`ContinuousBatchedEntropyModel`).
 */
export function minBitsPerChannel(model: HasMinCodeLengths, positions: number): number {
  let sum = 0;
  for (const bits of model.minCodeLengths()) sum += bits;
  return sum * positions;
}

/**
 * Bits at least spent on `values` values of an indexed model whose per-value table is
 * not known before decoding (a scale hyperprior's y): each costs at least the cheapest table's bound.
 */
export function minBitsAnyTable(model: HasMinCodeLengths, values: number): number {
  let least = Infinity;
  for (const bits of model.minCodeLengths()) least = Math.min(least, bits);
  return values === 0 ? 0 : least * values;
}
