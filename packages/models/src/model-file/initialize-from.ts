import { ModelMismatchError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageCodec } from '../codec/image-codec.js';
import { resampleLogGains } from '../codec/gain-unit.js';
import type { ModelConfig } from '../zoo/registry.js';
import type { LoadedModel } from './model-file.js';

const GAIN_KEYS = ['gain.log_gain', 'gain.log_inverse_gain'] as const;
const TABLE_KEY = /(^|\.)(cdf|cdf_length|cdf_offset)$/;

/** What {@link initializeFrom} did. */
export interface InitializeFromReport {
  /** Parameters copied from the source. */
  readonly copied: number;
  /** True when the gain tables were mapped to other rate levels (see {@link resampleLogGains}). */
  readonly resampledGains: boolean;
}

/**
 * Starts `target` from the weights of a trained model (fine-tuning): every weight is copied
 * from `source`, which must be the same registry model with a configuration that differs at
 * most in its `lambdas`. When the λs differ, the gain tables are mapped to the new levels
 * with {@link resampleLogGains} (kept rows for λs both have, log-linear in log λ for new
 * ones). Integer tables are not copied; they are rebuilt from the weights.
 * @throws ModelMismatchError when the models differ otherwise (another model, other channels).
 */
export function initializeFrom(target: ImageCodec, targetName: string, targetConfig: ModelConfig, source: LoadedModel): InitializeFromReport {
  if (source.name !== targetName) throw new ModelMismatchError(`cannot start ${targetName} from a ${source.name} model file`);
  const { lambdas: fromLambdas, ...fromRest } = source.config as ModelConfig & { lambdas?: readonly number[] };
  const { lambdas: toLambdas, ...toRest } = targetConfig as ModelConfig & { lambdas?: readonly number[] };
  if (JSON.stringify(sortKeys(fromRest)) !== JSON.stringify(sortKeys(toRest))) {
    throw new ModelMismatchError(
      `cannot start ${targetName} ${JSON.stringify(targetConfig)} from a model file of ${JSON.stringify(source.config)}: only "lambdas" may differ`,
    );
  }
  if ((fromLambdas === undefined) !== (toLambdas === undefined)) {
    throw new ModelMismatchError('cannot start a variable-rate model from a fixed-rate one or the reverse (one config has "lambdas", the other not)');
  }
  const dict = source.model.stateDict();
  const owned: tf.Tensor[] = Object.values(dict);
  let resampledGains = false;
  try {
    for (const key of Object.keys(dict)) if (TABLE_KEY.test(key)) delete dict[key];
    if (fromLambdas && toLambdas && JSON.stringify(fromLambdas) !== JSON.stringify(toLambdas)) {
      for (const key of GAIN_KEYS) {
        const table = dict[key];
        if (!table) throw new ModelMismatchError(`the source model file has no ${key}`);
        const rows = resampleLogGains(table.arraySync() as number[][], fromLambdas, toLambdas);
        const resampled = tf.tensor2d(rows);
        owned.push(resampled);
        dict[key] = resampled;
      }
      resampledGains = true;
    }
    const { missingKeys, unexpectedKeys } = target.loadStateDict(dict, { strict: false });
    const missing = missingKeys.filter((k) => !TABLE_KEY.test(k));
    if (missing.length > 0 || unexpectedKeys.length > 0) {
      throw new ModelMismatchError(
        `weights do not fit ${targetName}: missing ${missing.join(', ') || 'none'}; unexpected ${unexpectedKeys.join(', ') || 'none'}`,
      );
    }
    target.update();
    return { copied: Object.keys(dict).length, resampledGains };
  } finally {
    tf.dispose(owned);
  }
}

function sortKeys(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
