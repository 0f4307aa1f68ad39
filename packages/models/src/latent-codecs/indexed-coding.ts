import { roundHalfEven, type ExactMap } from '@ncomp/core';
import type { IncrementalDecoder, IncrementalEncoder } from '@ncomp/entropy';
import type { CheckRecorder, CheckVerifier } from './latent-check.js';

/**
 * The table of a scale index computed in float64 by the deterministic path: clipped to
 * [0, numScales - 1], then rounded half to even (TFC's `round(clip(i))`).
 */
export function tableIndex(raw: number, numScales: number): number {
  return roundHalfEven(raw < 0 ? 0 : raw > numScales - 1 ? numScales - 1 : raw);
}

/** One coded part of y for one image: its scale indexes (already table numbers) and means, HWC. */
export interface CodedPart {
  /** The table of each symbol, HWC. */
  readonly indexes: Int32Array;
  /** The mean of each symbol (the decoded value is `symbol + loc`), HWC. */
  readonly loc: Float64Array;
}

/**
 * Encodes `values - loc` rounded half to even with the given tables, appending to
 * `encoder`; records the digests; returns the values as the decoder rebuilds them
 * (`symbol + loc`, float64).
 */
export function encodePart(encoder: IncrementalEncoder, values: ArrayLike<number>, part: CodedPart, check: CheckRecorder): Float64Array {
  const n = part.indexes.length;
  const symbols = new Int32Array(n);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const s = roundHalfEven(values[k]! - part.loc[k]!);
    symbols[k] = s;
    encoder.encode(s, part.indexes[k]!);
    out[k] = s + part.loc[k]!;
  }
  check.part(part.indexes, symbols);
  return out;
}

/**
 * Decodes one part from `decoder` (the inverse of {@link encodePart}), verifying the
 * table indexes before reading and the symbols after.
 * @throws ParameterMismatchError or CorruptStreamError from the verifier; CorruptStreamError from the decoder.
 */
export function decodePart(decoder: IncrementalDecoder, part: CodedPart, verifier: CheckVerifier, index: number): Float64Array {
  verifier.indexes(index, part.indexes);
  const n = part.indexes.length;
  const symbols = new Int32Array(n);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const s = decoder.decode(part.indexes[k]!);
    symbols[k] = s;
    out[k] = s + part.loc[k]!;
  }
  verifier.symbols(index, symbols);
  return out;
}

/** The map of `data` in the shape of `like`. */
export function likeMap(like: ExactMap, channels: number, data: Float64Array): ExactMap {
  return { height: like.height, width: like.width, channels, data };
}
