import { InvalidArgumentError } from '@ncomp/core';

/**
 * Learning-rate factors by parameter-name prefix (the state-dict names of
 * `namedVariables()`), first match wins; parameters no prefix matches keep factor 1.
 * E.g. `{ "latent_codec.": 10 }` lets a hyperprior learn faster than the transforms, and
 * `{ "analysis.": 0 }` freezes the analysis.
 */
export type LearningRateMultipliers = Readonly<Record<string, number>>;

/**
 * The per-parameter factor function of a {@link LearningRateMultipliers} table, for
 * {@link Adam.apply}.
 * @param multipliers - Prefix -> factor (absent: every factor is 1).
 * @param parameterNames - When given, every prefix must match at least one of these names.
 * @returns name -> factor.
 * @throws InvalidArgumentError for a factor that is negative or not finite, or a prefix that matches no parameter.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { learningRateMultiplierOf } from '@ncomp/models';
 *
 * const factor = learningRateMultiplierOf({ 'synthesis.conditioning.': 10 }, ['synthesis.conditioning.fc1.kernel', 'analysis.conv0.kernel']);
 * assert.equal(factor('synthesis.conditioning.fc1.kernel'), 10);
 * assert.equal(factor('analysis.conv0.kernel'), 1);
 * ```
 */
export function learningRateMultiplierOf(multipliers: LearningRateMultipliers | undefined, parameterNames?: Iterable<string>): (name: string) => number {
  const entries = Object.entries(multipliers ?? {});
  for (const [prefix, factor] of entries) {
    if (!(Number.isFinite(factor) && factor >= 0))
      throw new InvalidArgumentError(`learning-rate multiplier of "${prefix}" must be a finite number >= 0, found ${String(factor)}`);
  }
  if (parameterNames !== undefined && entries.length > 0) {
    const names = [...parameterNames];
    const unmatched = entries.filter(([prefix]) => !names.some((n) => n.startsWith(prefix))).map(([p]) => `"${p}"`);
    if (unmatched.length > 0) {
      const roots = [...new Set(names.map((n) => n.split('.').slice(0, 2).join('.') + '.'))].slice(0, 12);
      throw new InvalidArgumentError(
        `learning-rate multiplier prefix ${unmatched.join(', ')} matches no trained parameter; parameter names start with ${roots.join(', ')}`,
      );
    }
  }
  return (name: string): number => {
    for (const [prefix, factor] of entries) if (name.startsWith(prefix)) return factor;
    return 1;
  };
}
