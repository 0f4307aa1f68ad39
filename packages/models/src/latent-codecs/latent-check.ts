import { CorruptStreamError, ParameterMismatchError } from '@ncomp/core';

/**
 * What an encoder records so that its decoder can tell a portability mismatch from damage:
 * 32-bit digests of the hyper-latent symbols and, per coded part of y (a ChARM slice, or
 * the whole latent), of the table index of every symbol and of the symbols themselves.
 * Stored in the `.ncomp` file's `check` stream.
 */
export interface LatentCheck {
  /** Digest of the hyper-latent (z) symbols; absent for codecs without one. */
  readonly hyper?: number;
  /** Per coded part of y, in coding order. */
  readonly parts: readonly LatentCheckPart[];
  /** Who wrote the stream (backend and format), for messages; set by the reader. */
  readonly origin?: string;
}

/** The digests of one coded part of y (a ChARM slice, or the whole latent). */
export interface LatentCheckPart {
  /** Digest of the table index of every symbol, in coding order. */
  readonly indexes: number;
  /** Digest of the symbols. */
  readonly symbols: number;
}

/** FNV-1a over 32-bit integers: the digest of {@link LatentCheck}. Order-sensitive; the same on every engine. */
export function digestInts(values: ArrayLike<number>, seed = 0x811c9dc5): number {
  // The bytes of each value, lowest first. Int32 arithmetic throughout (Math.imul keeps the
  // low 32 bits whichever sign its operands carry), unsigned once at the end: the same bits
  // as an unsigned hash, without values past int32 that the engine would hold as doubles.
  let h = seed | 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! | 0;
    h = Math.imul(h ^ (v & 0xff), 0x01000193);
    h = Math.imul(h ^ ((v >>> 8) & 0xff), 0x01000193);
    h = Math.imul(h ^ ((v >>> 16) & 0xff), 0x01000193);
    h = Math.imul(h ^ (v >>> 24), 0x01000193);
  }
  return h >>> 0;
}

/** Collects a {@link LatentCheck} while encoding. */
export class CheckRecorder {
  private hyperDigest: number | undefined;
  private readonly parts: { indexes: number; symbols: number }[] = [];

  /** Records the hyper-latent symbols. */
  hyper(symbols: ArrayLike<number>): void {
    this.hyperDigest = digestInts(symbols);
  }

  /** Records one coded part's table indexes and symbols. */
  part(indexes: ArrayLike<number>, symbols: ArrayLike<number>): void {
    this.parts.push({ indexes: digestInts(indexes), symbols: digestInts(symbols) });
  }

  /** Records one coded part by the digests of its table indexes and symbols (computed band by band). */
  partDigests(indexes: number, symbols: number): void {
    this.parts.push({ indexes, symbols });
  }

  /** The check of everything recorded. */
  result(): LatentCheck {
    return this.hyperDigest === undefined ? { parts: [...this.parts] } : { hyper: this.hyperDigest, parts: [...this.parts] };
  }
}

/**
 * Compares what a decoder computes with an encoder's {@link LatentCheck}, step by step, so
 * that the first difference is reported for what it is. Without an expected check (streams
 * from a caller that has none) every step passes.
 */
export class CheckVerifier {
  /** @param expected - The encoder's check, or undefined to verify nothing. */
  constructor(private readonly expected: LatentCheck | undefined) {
    if (expected && !Array.isArray(expected.parts)) throw new CorruptStreamError('the check stream has no parts');
  }

  private get origin(): string {
    return this.expected?.origin ? ` (written by ${this.expected.origin})` : '';
  }

  /**
   * The decoded hyper-latent symbols.
   * @throws CorruptStreamError when they differ from the encoder's: the z stream is damaged.
   */
  hyper(symbols: ArrayLike<number>): void {
    const e = this.expected;
    if (e?.hyper !== undefined && digestInts(symbols) !== e.hyper) {
      throw new CorruptStreamError(`the hyper-latent (z) stream decodes to other symbols than were encoded${this.origin}: the file is damaged`);
    }
  }

  /**
   * The table indexes of part `i`, computed from everything decoded before it.
   * @throws ParameterMismatchError when they differ from the encoder's although every
   *   symbol decoded so far matched: this decoder evaluates the entropy parameters
   *   differently from the one that wrote the file.
   */
  indexes(i: number, indexes: ArrayLike<number>): void {
    this.indexesDigest(i, digestInts(indexes));
  }

  /**
   * {@link CheckVerifier.indexes} given the digest of the table indexes (computed band by
   * band, {@link digestInts} chained through its seed).
   */
  indexesDigest(i: number, digest: number): void {
    const e = this.expected;
    if (!e) return;
    const part = e.parts[i];
    if (!part) throw new CorruptStreamError(`the check stream has ${e.parts.length} parts, the codec codes at least ${i + 1}: the file is damaged`);
    if (digest !== part.indexes) {
      throw new ParameterMismatchError(
        `the entropy parameters computed while decoding part ${i} of y differ from the encoder's${this.origin}, although every symbol before them decoded intact: this build evaluates the entropy-parameter networks differently from the one that wrote the file (another ncomp version, or a custom layer without a deterministic twin). Decode it with the ncomp version that wrote it, or compress the image again with this one.`,
      );
    }
  }

  /**
   * The decoded symbols of part `i`.
   * @throws CorruptStreamError when they differ from the encoder's: the y stream is damaged.
   */
  symbols(i: number, symbols: ArrayLike<number>): void {
    this.symbolsDigest(i, digestInts(symbols));
  }

  /** {@link CheckVerifier.symbols} given the digest of the symbols. */
  symbolsDigest(i: number, digest: number): void {
    const part = this.expected?.parts[i];
    if (part && digest !== part.symbols) {
      throw new CorruptStreamError(`part ${i} of the y stream decodes to other symbols than were encoded${this.origin}: the file is damaged`);
    }
  }

  /**
   * After the last part.
   * @throws CorruptStreamError when the check lists more parts than were decoded.
   */
  finish(parts: number): void {
    const e = this.expected;
    if (e && e.parts.length !== parts)
      throw new CorruptStreamError(`the check stream lists ${e.parts.length} parts of y, the codec codes ${parts}: the file is damaged`);
  }
}
