/**
 * Puts TF.js's plain JavaScript (`@tensorflow/tfjs-backend-cpu`; also what `onReadableBackend` builds tables on under WebGPU) into a browser bundle: importing this module registers a loader for
 * the package (a literal dynamic `import()`, which bundlers follow), so that `setBackend`
 * can choose it. The package is evaluated only when chosen.
 *
 * @packageDocumentation
 */
import { provideBackendPackage } from '../backend/provided-packages.js';

provideBackendPackage('@tensorflow/tfjs-backend-cpu', () => import('@tensorflow/tfjs-backend-cpu'));
