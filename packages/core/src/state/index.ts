/**
 * State dicts as safetensors: conversion between TensorFlow.js tensors and safetensors
 * bytes, and saving / loading a `Module` to / from a file.
 *
 * @packageDocumentation
 */
export type { FloatStorageDtype, StateDictToSafetensorsOptions } from './convert.js';
export { safetensorsToStateDict, stateDictToSafetensors } from './convert.js';
export type { SaveModuleOptions } from './persist.js';
export { loadModule, saveModule } from './persist.js';
