/**
 * Classical codec baselines (JPEG, WebP, AVIF through sharp) for rate-distortion
 * comparisons: coding at given qualities or at a matched bitrate.
 *
 * @packageDocumentation
 */
export { CLASSICAL_CODECS, decodeClassical, encodeClassical, type ClassicalCodec, type ExpectedSize } from './classical-codec.js';
export { classicalAtQualities, matchBitrate, type BaselineImage, type ClassicalResult } from './match-bitrate.js';
