/**
 * Backend choice: native TensorFlow, WebGPU or WebGL (optional peers), WebAssembly or plain
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
export { defaultImporter, importerFor, isModuleNotFound, tryImport } from './import-package.js';
export { canReadSynchronously, onReadableBackend } from './readable-backend.js';
export type { PackageLoader } from './provided-packages.js';
export { provideBackendPackage, providedPackages } from './provided-packages.js';
export type { Runtime } from './runtime.js';
export { detectRuntime } from './runtime.js';
export type { WebglProbe } from './webgl.js';
export { probeWebgl } from './webgl.js';
