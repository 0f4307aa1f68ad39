/**
 * Image input and output for the `ncomp` command: decoding files to sRGB RGB in [0, 1],
 * writing PNGs, quantising, and padding to a codec's stride.
 *
 * @packageDocumentation
 */
export type { DecodedImage, DecodedImagePixels, SourceChannels, SourceInfo } from './decoded-image.js';
export { decodeImage, decodeImagePixels, readImage, readImagePixels } from './read-image.js';
export { encodePng, encodePngSamples, pngSamples, writePng, writePngSamples, type WritePngOptions } from './write-png.js';
export { toUint16Rgb, toUint8Rgb } from './to-uint8.js';
export { cropImage, padImage, type PaddedImage } from './pad.js';
