/**
 * `@ncomp/core/node`: the parts of @ncomp/core that need Node.js (`node:fs`, `node:crypto`,
 * `process`): atomic file writes that never overwrite by accident, temporary-file
 * clean-up, safetensors files on disk, and saving / loading a `Module` to / from one. `@ncomp/core` re-exports them under the `node`
 * export condition, so Node.js code imports them from either; browser bundles never see them.
 *
 * @packageDocumentation
 */
export * from './files/index.js';
export type { WriteSafetensorsFileOptions } from './safetensors/file.js';
export { readSafetensorsFile, writeSafetensorsFile } from './safetensors/file.js';
export type { SaveModuleOptions } from './state/persist.js';
export { loadModule, saveModule } from './state/persist.js';
