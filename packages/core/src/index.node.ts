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
 * The API reference documents this complete (Node.js) API; what needs Node.js says so and
 * is also in `@ncomp/core/node`.
 *
 * @packageDocumentation
 */
export * from './index.js';
export * from './node.js';
