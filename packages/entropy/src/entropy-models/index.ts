/**
 * Continuous entropy models with TensorFlow Compression semantics.
 * @packageDocumentation
 */
export { buildTables, buildTablesAsync, type IntegerTables } from './build-tables.js';
export { coderByName, type CoderName } from './coder-choice.js';
export { ContinuousBatchedEntropyModel, type BatchedEntropyModelOptions, type EntropyModelOutput } from './continuous-batched.js';
export { ContinuousIndexedEntropyModel, type IndexedEntropyModelOptions } from './continuous-indexed.js';
export { ContinuousEntropyModelBase, type EntropyModelOptions, type ShapeSplit } from './entropy-model-base.js';
export { LocationScaleIndexedEntropyModel, type LocationScaleFamily, type LocationScaleOptions } from './location-scale-indexed.js';
export { TABLE_KEYS, tablesFromState, tablesToState } from './table-state.js';
