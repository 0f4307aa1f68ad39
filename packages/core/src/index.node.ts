/**
 * `@ncomp/core` under the `node` export condition: the browser-safe entry point plus the
 * Node-only parts (`@ncomp/core/node`).
 *
 * @packageDocumentation
 */
export * from './index.js';
export * from './node.js';
