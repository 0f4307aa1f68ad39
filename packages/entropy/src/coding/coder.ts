import type { CdfTables } from './cdf-tables.js';

/**
 * Encoder that takes one value at a time (for autoregressive models, where the table
 * of the next value depends on what was decoded before).
 */
export interface IncrementalEncoder {
  /**
   * Codes `value` with table `index`.
   * @param value - Any int32; values outside the table's support are escape-coded.
   * @param index - Table index, `0 .. tables.count - 1`.
   * @throws InvalidArgumentError for a non-int32 value or a bad index.
   */
  encode(value: number, index: number): void;
  /** Ends the stream and returns its bytes. The encoder cannot be used afterwards. */
  finish(): Uint8Array;
}

/** Decoder that returns one value at a time, in the order they were encoded. */
export interface IncrementalDecoder {
  /**
   * Decodes the next value, which was coded with table `index`.
   * @throws CorruptStreamError when the bytes cannot be a valid stream.
   * @throws InvalidArgumentError for a bad index.
   */
  decode(index: number): number;
  /**
   * Checks that the stream ended exactly where the encoder ended it: every byte was
   * consumed and the final coder state is the one the encoder leaves.
   * @throws CorruptStreamError otherwise (damaged stream, wrong tables, or values
   *   left undecoded).
   */
  finish(): void;
}

/**
 * An entropy coder over {@link CdfTables}: the bulk API (whole arrays at once, like TFC's
 * and CompressAI's) and incremental encoders / decoders. Streams of one coder are only
 * readable by the same coder with the same tables and the same index sequence.
 */
export interface EntropyCoder {
  /** Short name of the coder (`"range"` or `"rans"`), e.g. for bitstream headers. */
  readonly name: string;
  /**
   * Codes `values[i]` with table `indexes[i]`, for all `i`.
   * @param values - int32 values (Int32Array, or numbers that are checked to be int32).
   * @param indexes - Table index of each value; same length as `values`.
   * @param tables - The tables.
   * @returns The compressed bytes.
   * @throws ShapeError when the lengths differ; InvalidArgumentError for a bad value or index.
   */
  encode(values: ArrayLike<number>, indexes: ArrayLike<number>, tables: CdfTables): Uint8Array;
  /**
   * Decodes `indexes.length` values, value `i` with table `indexes[i]`, and checks that
   * the stream was consumed exactly.
   * @throws CorruptStreamError for bytes that are not such a stream.
   */
  decode(bytes: Uint8Array, indexes: ArrayLike<number>, tables: CdfTables): Int32Array;
  /** Starts an incremental encoder. */
  createEncoder(tables: CdfTables): IncrementalEncoder;
  /** Starts an incremental decoder over `bytes`. */
  createDecoder(bytes: Uint8Array, tables: CdfTables): IncrementalDecoder;
}
