import { InvalidArgumentError } from '@ncomp/core';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_WEIGHTS } from './default-model-name.js';

/** The folder of the model files shipped in this package (`weights/`). */
export const WEIGHTS_DIR: string = fileURLToPath(new URL('../../weights/', import.meta.url));

/**
 * Path of the default model file shipped in this package (`weights/default.safetensors`,
 * {@link DEFAULT_MODEL_WEIGHTS}): the variable-rate mean-scale hyperprior `ncomp` uses when
 * no `--model` is given. See `weights/README.md` for how it was trained. Node.js only.
 */
export const DEFAULT_MODEL_FILE: string = fileURLToPath(new URL(`../../${DEFAULT_MODEL_WEIGHTS}`, import.meta.url));

/** What a shipped model's name looks like: lower-case words joined by hyphens, e.g. `mric-small`. */
const SHIPPED_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The names of the model files shipped in `weights/` (`mric-small` for `weights/mric-small.safetensors`), sorted. */
export function shippedModelNames(): string[] {
  if (!existsSync(WEIGHTS_DIR)) return [];
  return readdirSync(WEIGHTS_DIR)
    .filter((f) => f.endsWith('.safetensors'))
    .map((f) => f.slice(0, -'.safetensors'.length))
    .sort();
}

/** Whether `text` has the form of a shipped model's name (not a path). */
export function isShippedModelName(text: string): boolean {
  return SHIPPED_NAME.test(text);
}

/**
 * The file of a model shipped by name (`mric-small` -> `weights/mric-small.safetensors`; see
 * `weights/README.md` for how each was trained).
 * @throws InvalidArgumentError listing the shipped names when there is no such model.
 */
export function shippedModelFile(name: string): string {
  if (!isShippedModelName(name) || !shippedModelNames().includes(name)) {
    throw new InvalidArgumentError(`no shipped model "${name}"; shipped models: ${shippedModelNames().join(', ')}`);
  }
  return join(WEIGHTS_DIR, `${name}.safetensors`);
}
