/**
 * Modules: trees of named TensorFlow.js variables with state-dict import and export.
 *
 * @packageDocumentation
 */
export type { AddWeightOptions, LoadStateDictOptions, LoadStateDictResult, NumParametersOptions, StateDict, WeightDtype } from './module.js';
export { Module } from './module.js';
export { uniqueVariableName } from './variable-name.js';
