import { InvalidArgumentError } from '@ncomp/core';

/** Configuration of the hyperprior-family baselines. */
export interface BaselineConfig {
  /** Filters of the hidden layers (N in the papers). */
  readonly N: number;
  /** Channels of the latent y (M in the papers). */
  readonly M: number;
  /** Rate levels' λ for a variable-rate codec with gain units; absent: single rate. */
  readonly lambdas?: readonly number[];
  /** Family of the hyperprior models' conditional prior; absent: `normal` (the papers'). Ignored by bls2017. */
  readonly prior?: HyperpriorFamily;
}

/** The conditional prior families a hyperprior baseline can use. */
export type HyperpriorFamily = 'normal' | 'laplace' | 'logistic';

const FAMILIES: readonly HyperpriorFamily[] = ['normal', 'laplace', 'logistic'];

/**
 * Validates a configuration read from JSON or a command line.
 * @throws InvalidArgumentError naming the bad field.
 */
export function parseBaselineConfig(model: string, value: unknown, defaults: BaselineConfig): BaselineConfig {
  if (value === undefined) return defaults;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${model}: config must be an object like {"N": 128, "M": 192}, found ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (key !== 'N' && key !== 'M' && key !== 'lambdas' && key !== 'prior') {
      throw new InvalidArgumentError(`${model}: unknown config field "${key}" (known: N, M, lambdas, prior)`);
    }
  }
  const int = (key: 'N' | 'M'): number => {
    const x = v[key] ?? defaults[key];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > 4096) {
      throw new InvalidArgumentError(`${model}: ${key} must be an integer in 1..4096, found ${JSON.stringify(x)}`);
    }
    return x;
  };
  const lambdas = v['lambdas'] ?? defaults.lambdas;
  if (lambdas !== undefined) {
    if (
      !Array.isArray(lambdas) ||
      lambdas.length < 2 ||
      lambdas.some((l, i) => typeof l !== 'number' || !(l > 0) || (i > 0 && !(l > (lambdas[i - 1] as number))))
    ) {
      throw new InvalidArgumentError(`${model}: lambdas must be at least 2 increasing positive numbers, found ${JSON.stringify(lambdas)}`);
    }
  }
  const prior = v['prior'] ?? defaults.prior;
  if (prior !== undefined && !FAMILIES.includes(prior as HyperpriorFamily)) {
    throw new InvalidArgumentError(`${model}: prior must be one of ${FAMILIES.join(', ')}, found ${JSON.stringify(prior)}`);
  }
  return {
    N: int('N'),
    M: int('M'),
    ...(lambdas === undefined ? {} : { lambdas: [...(lambdas as number[])] }),
    ...(prior === undefined ? {} : { prior: prior as HyperpriorFamily }),
  };
}
