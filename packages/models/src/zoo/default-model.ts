import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_WEIGHTS } from './default-model-name.js';

/**
 * Path of the default model file shipped in this package (`weights/default.safetensors`,
 * {@link DEFAULT_MODEL_WEIGHTS}): the variable-rate mean-scale hyperprior `ncomp` uses when
 * no `--model` is given. See `weights/README.md` for how it was trained. Node.js only.
 */
export const DEFAULT_MODEL_FILE: string = fileURLToPath(new URL(`../../${DEFAULT_MODEL_WEIGHTS}`, import.meta.url));
