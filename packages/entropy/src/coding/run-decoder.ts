import type { CdfTables } from './cdf-tables.js';
import { checkIndex } from './checks.js';
import type { IncrementalDecoder } from './coder.js';
import { checkEscapeLength, ESCAPE_LENGTH_BITS, joinEscape } from './escape.js';

/**
 * What the range and rANS decoders share: one-value decoding on top of their fast
 * many-value loop, the escape payload on top of their raw-bit primitive, and the bulk
 * "decode everything, then check the end" of the {@link EntropyCoder} API.
 */
export abstract class RunDecoder implements IncrementalDecoder {
  private readonly one = { index: new Int32Array(1), value: new Int32Array(1) };

  /** @param tables - The tables the stream was encoded with. */
  protected constructor(protected readonly tables: CdfTables) {}

  /** {@inheritDoc IncrementalDecoder.decode} */
  decode(index: number): number {
    checkIndex(index, this.tables);
    this.one.index[0] = index;
    this.decodeRun(this.one.index, this.one.value);
    return this.one.value[0]!;
  }

  /**
   * Decodes `indexes.length` values into `out`, value `i` with table `indexes[i]`.
   * @throws CorruptStreamError for a stream that cannot be valid; InvalidArgumentError for a bad index.
   */
  abstract decodeRun(indexes: ArrayLike<number>, out: Int32Array): void;

  /** {@inheritDoc IncrementalDecoder.finish} */
  abstract finish(): void;

  /** Decodes `bits` (1..16) raw bits, a uniform symbol of frequency 1 out of 2^bits. */
  protected abstract decodeBits(bits: number): number;

  /** Decodes the payload that follows an escape symbol (see `escape.ts`). */
  protected decodeEscapePayload(escape: number, offset: number): number {
    const k = this.decodeBits(ESCAPE_LENGTH_BITS);
    checkEscapeLength(k);
    const high = k > 16 ? this.decodeBits(k - 16) : 0;
    const low = k > 0 ? this.decodeBits(Math.min(k, 16)) : 0;
    return joinEscape(k, high, low, escape, offset);
  }

  /** Decodes one value per entry of `indexes` (its table), then runs the finish check. */
  decodeAll(indexes: ArrayLike<number>): Int32Array {
    const out = new Int32Array(indexes.length);
    this.decodeRun(indexes, out);
    this.finish();
    return out;
  }
}
