/**
 * Saving a module's variables to a safetensors file and loading them back (Node.js only:
 * uses the file helpers of `safetensors/`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModelMismatchError } from '../errors/index.js';
import type { LoadStateDictOptions, LoadStateDictResult, Module } from '../module/index.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../safetensors/file.js';
import type { FloatStorageDtype } from './convert.js';
import { decodedToStateDict, stateDictToSafetensorsTensors } from './convert.js';

/** Options of {@link saveModule}. */
export interface SaveModuleOptions {
  /** Replace an existing file. Default `false`: an existing file is refused. */
  readonly overwrite?: boolean;
  /** String metadata stored in the file's `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Storage dtype of float32 variables (default `F32`, exact). */
  readonly floatDtype?: FloatStorageDtype;
}

/**
 * Writes every variable of `module` (keys: dotted paths) to a safetensors file,
 * atomically (temporary file, then rename; see `writeSafetensorsFile`).
 *
 * @param module - The module to save; it is not modified.
 * @param path - Target file path.
 * @param options - `overwrite` (default `false`), metadata, float storage dtype.
 * @throws InvalidArgumentError when the file exists and `overwrite` is not set, or the
 *   module was disposed; file system errors as Node reports them.
 */
export async function saveModule(module: Module, path: string, options: SaveModuleOptions = {}): Promise<void> {
  const dict = module.stateDict();
  let tensors;
  try {
    tensors = await stateDictToSafetensorsTensors(dict, options.floatDtype);
  } finally {
    tf.dispose(Object.values(dict));
  }
  await writeSafetensorsFile(path, tensors, {
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    ...(options.overwrite === undefined ? {} : { overwrite: options.overwrite }),
  });
}

/**
 * Loads a safetensors file into `module`'s variables, all or nothing (see
 * `Module.loadStateDict`; dtype mapping as in `safetensorsToStateDict`). The temporary
 * tensors are disposed before returning.
 *
 * @param module - The module whose variables are assigned.
 * @param path - Source file path.
 * @param options - `strict` (default `true`).
 * @returns Missing and unexpected keys (empty in strict mode).
 * @throws ModelMismatchError (message prefixed with the path) when the file does not fit
 *   the module; CorruptStreamError / UnsupportedFormatError for a bad file;
 *   InvalidArgumentError for a missing file.
 */
export async function loadModule(module: Module, path: string, options: LoadStateDictOptions = {}): Promise<LoadStateDictResult> {
  const file = await readSafetensorsFile(path);
  // The decoded arrays are private to this call, so the tensors may take them over
  // without another copy.
  const dict = decodedToStateDict(file, false);
  try {
    return module.loadStateDict(dict, options);
  } catch (err) {
    if (err instanceof ModelMismatchError) throw new ModelMismatchError(`${path}: ${err.message}`, { cause: err });
    throw err;
  } finally {
    tf.dispose(Object.values(dict));
  }
}
