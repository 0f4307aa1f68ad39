/**
 * State dicts as safetensors: conversion between TensorFlow.js tensors and safetensors
 * bytes. (Saving / loading a `Module` to / from a file is in `@ncomp/core/node`.)
 *
 * @packageDocumentation
 */
export type { FloatStorageDtype, StateDictToSafetensorsOptions } from './convert.js';
export { safetensorsToStateDict, stateDictToSafetensors } from './convert.js';
