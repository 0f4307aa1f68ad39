/**
 * Where the default model's file is inside this package: `weights/default.safetensors`, the
 * variable-rate mean-scale hyperprior that `ncomp` uses when no `--model` is given (see
 * `weights/README.md` for how it was trained). A web page copies this file next to itself
 * (or to any URL) and loads it with `loadModelUrl`; in Node.js, `DEFAULT_MODEL_FILE` is
 * its absolute path.
 */
export const DEFAULT_MODEL_WEIGHTS = 'weights/default.safetensors';
