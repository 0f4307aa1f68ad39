export { padBefore, type ConvPadding } from './conv-geometry.js';
export { conv2dFilterGradient, conv2dInputGradient, registerConv2dGradient } from './conv2d-gradient.js';
export { conv2dTranspose, conv2dTransposeByPhases, type PhaseStrategy } from './conv2d-transpose.js';
export { imageToPatches, isPatchConv, patchConv2d, patchConv2dTranspose, patchesToImage } from './patch-conv.js';
export { registerWasmKernels } from './wasm-kernels.js';
export { registerWebGpuKernels } from './webgpu-kernels.js';
export { fastConv2d, winogradConv3x3, winogradPays } from './winograd.js';
