import { InvalidArgumentError } from '@ncomp/core';
import { describe, expect, it } from 'vitest';
import { EGIC_LOSS_WEIGHTS, resolveEgicLossWeights } from './egic-loss.js';
import { HIFIC_LOSS_WEIGHTS, resolveHificLossWeights } from './hific-loss.js';
import { resolveLossWeights } from './loss-weights.js';
import { MRIC_LOSS_WEIGHTS, resolveMricLossWeights } from './mric-loss.js';

describe('resolveLossWeights', () => {
  it('fills missing fields from the defaults and keeps the given ones', () => {
    expect(resolveLossWeights('L', { a: 1, b: 2 }, { b: 3 })).toEqual({ a: 1, b: 3 });
  });

  it('refuses an unknown field, naming it and the known ones', () => {
    expect(() => resolveLossWeights('L', { a: 1, b: 2 }, { c: 1 } as never)).toThrow(/L: unknown weight "c" \(known: a, b\)/);
  });

  it('refuses negative, infinite and non-numeric weights', () => {
    for (const bad of [-1, Infinity, Number.NaN, '1']) {
      expect(() => resolveLossWeights('L', { a: 1 }, { a: bad } as never)).toThrow(InvalidArgumentError);
    }
  });

  it('every model resolver refuses a misspelt field: MRIC maxBeta (for betaMax), HiFiC lambda, EGIC beta', () => {
    expect(() => resolveMricLossWeights({ maxBeta: 2 } as never)).toThrow(/unknown weight "maxBeta".*betaMax/);
    expect(() => resolveHificLossWeights({ lambda: 2 } as never)).toThrow(/unknown weight "lambda"/);
    expect(() => resolveEgicLossWeights({ beta: 2 } as never)).toThrow(/unknown weight "beta"/);
    expect(resolveMricLossWeights({ betaMax: 2 }).betaMax).toBe(2);
    expect(resolveHificLossWeights()).toEqual(HIFIC_LOSS_WEIGHTS);
    expect(resolveEgicLossWeights()).toEqual(EGIC_LOSS_WEIGHTS);
    expect(resolveMricLossWeights()).toEqual(MRIC_LOSS_WEIGHTS);
  });
});
