/**
 * Runs before every test file: registers TF.js's cpu backend, the one tests that choose
 * none run on. @ncomp/core registers no backend by itself (an application imports one, or
 * calls `setBackend`, which imports the one it picks).
 */
import '@tensorflow/tfjs-backend-cpu';
