import { fileURLToPath } from 'node:url';

/**
 * Path of the default model file shipped in this package (`weights/default.safetensors`):
 * the variable-rate mean-scale hyperprior `ncomp` uses when no `--model` is given. See
 * `weights/README.md` for how it was trained.
 */
export const DEFAULT_MODEL_FILE: string = fileURLToPath(new URL('../../weights/default.safetensors', import.meta.url));
