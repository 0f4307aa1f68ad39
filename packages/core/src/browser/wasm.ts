/**
 * Puts TF.js's WebAssembly (`@tensorflow/tfjs-backend-wasm`; serve its `.wasm` files and pass their location as `setBackend`'s `wasmPaths`) into a browser bundle: importing this module registers a loader for
 * the package (a literal dynamic `import()`, which bundlers follow), so that `setBackend`
 * can choose it. The package is evaluated only when chosen.
 *
 * @packageDocumentation
 */
import { provideBackendPackage } from '../backend/provided-packages.js';

// Typed as a plain string: the package's declarations need @types/emscripten, and setBackend
// checks the module at run time anyway. The emitted JavaScript keeps the literal, which bundlers follow.
provideBackendPackage('@tensorflow/tfjs-backend-wasm', () => import('@tensorflow/tfjs-backend-wasm' as string));
