/**
 * `@ncomp/models` under the `node` export condition: the browser-safe entry point plus the
 * Node-only parts (`@ncomp/models/node`).
 *
 * @packageDocumentation
 */
export * from './index.js';
export * from './node.js';
