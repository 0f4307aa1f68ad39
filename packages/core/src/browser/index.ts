/**
 * `@ncomp/core/browser`: every TF.js backend ncomp can use in a browser, bundled. Import it
 * once (for its effect) before `setBackend`:
 *
 * ```ts
 * import '@ncomp/core/browser';
 * import { setBackend } from '@ncomp/core';
 * const report = await setBackend('auto', { wasmPaths: new URL('./wasm/', location.href).href });
 * ```
 *
 * A browser cannot import a package by a name computed at run time, so `setBackend` uses
 * the loaders these modules register (see `provideBackendPackage`). To bundle fewer
 * backends, import only some of `@ncomp/core/browser/wasm`, `/webgl`, `/webgpu` and
 * `/cpu` instead; each needs its `@tensorflow/tfjs-backend-*` package installed.
 *
 * @packageDocumentation
 */
import './webgpu.js';
import './webgl.js';
import './wasm.js';
import './cpu.js';
