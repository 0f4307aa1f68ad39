import { InvalidArgumentError } from '@ncomp/core';

/**
 * A full set of loss weights from a partial one: every field of `partial` must be a field of
 * `defaults` (a misspelt weight, e.g. `maxBeta` for `betaMax`, is refused rather than silently
 * ignored), missing fields take `defaults`, and every weight must be a finite number >= 0.
 * The per-model checks (ranges, orderings) stay with each model's resolver.
 * @param what - The loss, for messages, e.g. `MRIC loss`.
 * @param defaults - The reference weights; their keys are the known fields.
 * @param partial - The fields to change (e.g. parsed from `--loss`).
 * @throws InvalidArgumentError naming an unknown field (and the known ones) or a bad value.
 */
export function resolveLossWeights<W extends object>(what: string, defaults: W, partial: Readonly<Partial<W>>): W {
  for (const k of Object.keys(partial)) {
    if (!Object.hasOwn(defaults, k)) throw new InvalidArgumentError(`${what}: unknown weight "${k}" (known: ${Object.keys(defaults).join(', ')})`);
  }
  const w = { ...defaults, ...partial };
  for (const [k, v] of Object.entries(w)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new InvalidArgumentError(`${what} weight ${k} must be a finite number >= 0, found ${String(v)}`);
  }
  return w;
}
