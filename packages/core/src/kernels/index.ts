export { padBefore, type ConvPadding } from './conv-geometry.js';
export { conv2dFilterGradient, conv2dInputGradient, registerConv2dGradient } from './conv2d-gradient.js';
export { conv2dTranspose, conv2dTransposeByPhases } from './conv2d-transpose.js';
export { imageToPatches, isPatchConv, patchConv2d, patchConv2dTranspose, patchesToImage } from './patch-conv.js';
