/**
 * Entropy coding in pure TypeScript (no TensorFlow.js): quantized CDFs, table sets,
 * a range coder and an rANS coder with bulk and incremental APIs.
 *
 * @packageDocumentation
 */
export { CdfTables, type SymbolLookup } from './cdf-tables.js';
export type { EntropyCoder, IncrementalDecoder, IncrementalEncoder } from './coder.js';
export { ESCAPE_LENGTH_BITS, MAX_ESCAPE_K, escapeCost, joinEscape, splitEscape, type EscapePayload } from './escape.js';
export { pmfToQuantizedCdf } from './pmf-to-quantized-cdf.js';
export { minCodeLengths } from './min-code-length.js';
export { MAX_PRECISION, MIN_PRECISION } from './precision.js';
export { rangeCoder } from './range-coder.js';
export { RangeDecoder } from './range-decoder.js';
export { RANGE_BOTTOM, RANGE_TOP, RangeEncoder } from './range-encoder.js';
export { ransCoder } from './rans-coder.js';
export { RunDecoder } from './run-decoder.js';
export { RansDecoder } from './rans-decoder.js';
export { RANS_LOWER, RansEncoder } from './rans-encoder.js';
