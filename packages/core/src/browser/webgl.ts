/**
 * Puts TF.js's WebGL 2 (`@tensorflow/tfjs-backend-webgl`) into a browser bundle: importing this module registers a loader for
 * the package (a literal dynamic `import()`, which bundlers follow), so that `setBackend`
 * can choose it. The package is evaluated only when chosen.
 *
 * @packageDocumentation
 */
import { provideBackendPackage } from '../backend/provided-packages.js';

provideBackendPackage('@tensorflow/tfjs-backend-webgl', () => import('@tensorflow/tfjs-backend-webgl'));
