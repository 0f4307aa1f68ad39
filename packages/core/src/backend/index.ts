/**
 * Backend choice: native TensorFlow or WebGPU (optional peers), WebAssembly or plain
 * JavaScript.
 *
 * @packageDocumentation
 */
export type { BackendChoice, BackendName, BackendReport, SetBackendOptions } from './set-backend.js';
export { BACKEND_CHOICES, setBackend } from './set-backend.js';
export type { BackendDescription, WasmBackendDetails } from './describe-backend.js';
export { describeBackend } from './describe-backend.js';
export type { WebGpuAdapterDescription } from './webgpu.js';
export type { ImportOutcome, PackageImporter } from './import-package.js';
export { defaultImporter, isModuleNotFound, tryImport } from './import-package.js';
export { canReadSynchronously, onReadableBackend } from './readable-backend.js';
