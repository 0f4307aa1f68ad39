/**
 * @ncomp/core: modules and parameters, safetensors state dicts, backend choice and typed
 * errors, shared by every ncomp package. Depends on @tensorflow/tfjs-core only.
 *
 * This entry point runs in browsers and Node.js alike (it imports no `node:` module).
 * Under the `node` export condition, `@ncomp/core` also exports the Node-only parts in
 * `@ncomp/core/node` (atomic file writes, safetensors files). In a browser, import
 * `@ncomp/core/browser` for the backends.
 *
 * Subpath entry points without TensorFlow.js: `@ncomp/core/errors` and
 * `@ncomp/core/safetensors`.
 *
 * @packageDocumentation
 */
import './register-gradients.js';

export * from './errors/index.js';
export * from './safetensors/index.js';
export * from './module/index.js';
export * from './state/index.js';
export * from './backend/index.js';
export * from './kernels/index.js';
export * from './ops/index.js';
export * from './exact/index.js';
