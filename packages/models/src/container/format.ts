/**
 * The container's types, constants and limits, and the validation that
 * {@link encodeContainer} runs before writing a byte. The byte layout itself is
 * documented in the package entry (`index.ts`) and in `FORMAT.md` beside this file.
 */
import { InvalidArgumentError } from '@ncomp/core/errors';
import { varUintLength } from './varint.js';

/** The magic bytes, as the encoder and decoder use them (immune to changes to the exported array). */
export const MAGIC_BYTES: readonly number[] = [0x4e, 0x43, 0x4d, 0x50];

/**
 * The four bytes every container starts with: ASCII "NCMP" (`4e 43 4d 50`). For
 * comparisons only; the encoder and decoder keep their own copy, so changing this array
 * changes nothing but itself.
 */
export const CONTAINER_MAGIC: Uint8Array = Uint8Array.from(MAGIC_BYTES);

/** The container format version this build writes and reads (byte 4 of a file). */
export const CONTAINER_VERSION = 2;

/**
 * The colour layout of the original image, before the codec converted it (the codecs
 * code RGB; a decoder uses this to restore gray or say that alpha was dropped).
 *
 * Stored as one byte: `gray` = 1, `gray-alpha` = 2, `rgb` = 3, `rgba` = 4.
 */
export type ChannelLayout = 'gray' | 'gray-alpha' | 'rgb' | 'rgba';

/** Everything a decoder needs to know besides the coded streams. */
export interface ContainerHeader {
  /** Registry name of the model that coded the image; UTF-8, 1..255 bytes, well-formed Unicode. */
  modelName: string;
  /**
   * The first 16 bytes of the SHA-256 of the model's weights file ({@link weightsDigest});
   * identifies the exact weights, since a stream decodes correctly only with them.
   */
  weightsDigest: Uint8Array;
  /** Width of the original image in pixels, 1 .. 2^31 - 1. */
  width: number;
  /** Height of the original image in pixels, 1 .. 2^31 - 1. */
  height: number;
  /** Width in pixels the model coded after padding, `width` .. 2^31 - 1. */
  paddedWidth: number;
  /** Height in pixels the model coded after padding, `height` .. 2^31 - 1. */
  paddedHeight: number;
  /** Channel layout of the original image. */
  channels: ChannelLayout;
  /** Bits per sample of the original image: 8 or 16. */
  bitDepth: 8 | 16;
  /**
   * The rate level a variable-rate model coded at (model-specific units, e.g. 0..3 for
   * the default model); any finite float64. Fixed-rate models store their one level.
   */
  quality: number;
  /**
   * Further numeric fields a codec needs, such as latent shapes: at most 255 entries; keys
   * printable ASCII without spaces (bytes 0x21..0x7e), 1..64 characters; values finite
   * float64. Stored sorted by key, so the order of the object's keys does not matter.
   */
  extras: Readonly<Record<string, number>>;
}

/** A compressed image: its header and the model's coded byte streams, in order. */
export interface Container {
  /** Model identity, image geometry, quality and extras. */
  header: ContainerHeader;
  /** The coded streams (at most 1024, each any length including 0), in the order the model wrote them. */
  streams: Uint8Array[];
}

/** Bytes of the model-name length field's maximum value: names are 1..255 UTF-8 bytes. */
export const MAX_MODEL_NAME_BYTES = 255;
/** Length in bytes of the stored weights digest. */
export const DIGEST_BYTES = 16;
/** Largest width, height, padded width or padded height: 2^31 - 1. */
export const MAX_DIMENSION = 0x7fffffff;
/** Most entries in `extras`. */
export const MAX_EXTRAS = 255;
/** Longest `extras` key, in bytes (= characters, as keys are ASCII). */
export const MAX_EXTRA_KEY_BYTES = 64;
/** Most streams in a container. */
export const MAX_STREAMS = 1024;
/** Bytes of magic + version: the part of a file read before the checksum is checked. */
export const PREAMBLE_BYTES = 5;
/** Bytes of the CRC-32 at the end of a file. */
export const CHECKSUM_BYTES = 4;
/** Size of the smallest valid file: 1-byte name, 1 x 1 image, no extras, no streams. */
export const MIN_FILE_BYTES = 43;

/** The byte that stores each channel layout. */
export const CHANNEL_CODES: Readonly<Record<ChannelLayout, number>> = { gray: 1, 'gray-alpha': 2, rgb: 3, rgba: 4 };

/** The channel layout each stored byte 1..4 means (index 0 unused). */
export const CHANNEL_LAYOUTS: readonly (ChannelLayout | undefined)[] = [undefined, 'gray', 'gray-alpha', 'rgb', 'rgba'];

/** Whether `key` is a valid `extras` key: 1..64 bytes, each 0x21..0x7e. */
export function isValidExtraKey(key: string): boolean {
  if (key.length < 1 || key.length > MAX_EXTRA_KEY_BYTES) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Whether `s` is well-formed UTF-16 (no unpaired surrogate), so its UTF-8 encoding is lossless. */
export function isWellFormedUnicode(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** A container checked by {@link planContainer}, with its fields in the encoded forms and sizes. */
export interface ContainerPlan {
  /** The model name as UTF-8. */
  readonly nameBytes: Uint8Array;
  /** `extras` as `[key, value]`, sorted by key (the stored order). */
  readonly extras: readonly (readonly [string, number])[];
  /** Bytes before the first stream payload (magic through the last stream length). */
  readonly headerBytes: number;
  /** Sum of the stream lengths. */
  readonly payloadBytes: number;
  /** Whole file size: header + payloads + checksum. */
  readonly totalBytes: number;
}

function invalid(field: string, expected: string, found: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`container ${field}: expected ${expected}, found ${show(found)}`);
}

/** A short description of any value, for messages. */
export function show(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return value.length > 80 ? `${JSON.stringify(value.slice(0, 77))}... (${value.length} characters)` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return value.constructor?.name ? `a ${value.constructor.name}` : 'an object';
  return typeof value;
}

function checkDimension(field: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_DIMENSION) {
    throw invalid(field, `an integer number of pixels in ${min}..${MAX_DIMENSION}`, value);
  }
}

/**
 * Validates every field of `c` and computes the encoded sizes, without writing anything.
 *
 * @param c - The container to check.
 * @returns The encoded name, sorted extras and byte counts.
 * @throws InvalidArgumentError naming the first bad field, what it must be and what it is.
 */
export function planContainer(c: Container): ContainerPlan {
  if (typeof c !== 'object' || c === null) throw invalid('', 'an object { header, streams }', c);
  const h = c.header as ContainerHeader | null | undefined;
  if (typeof h !== 'object' || h === null) throw invalid('header', 'an object', h);

  if (typeof h.modelName !== 'string') throw invalid('header.modelName', 'a string', h.modelName);
  if (!isWellFormedUnicode(h.modelName)) {
    throw invalid('header.modelName', 'well-formed Unicode text (it has an unpaired surrogate)', h.modelName);
  }
  const nameBytes = new TextEncoder().encode(h.modelName);
  if (nameBytes.length < 1 || nameBytes.length > MAX_MODEL_NAME_BYTES) {
    throw new InvalidArgumentError(
      `container header.modelName: expected 1..${MAX_MODEL_NAME_BYTES} bytes of UTF-8, found ${nameBytes.length} bytes (${show(h.modelName)})`,
    );
  }

  const digest: unknown = h.weightsDigest;
  if (!(digest instanceof Uint8Array) || digest.length !== DIGEST_BYTES) {
    throw invalid('header.weightsDigest', `a Uint8Array of ${DIGEST_BYTES} bytes (weightsDigest(weights file))`, digest);
  }

  checkDimension('header.width', h.width, 1);
  checkDimension('header.height', h.height, 1);
  checkDimension('header.paddedWidth', h.paddedWidth, h.width);
  checkDimension('header.paddedHeight', h.paddedHeight, h.height);

  if (typeof h.channels !== 'string' || !Object.hasOwn(CHANNEL_CODES, h.channels)) {
    throw invalid('header.channels', "one of 'gray', 'gray-alpha', 'rgb', 'rgba'", h.channels);
  }
  if (h.bitDepth !== 8 && h.bitDepth !== 16) throw invalid('header.bitDepth', '8 or 16', h.bitDepth);
  if (typeof h.quality !== 'number' || !Number.isFinite(h.quality)) {
    throw invalid('header.quality', 'a finite number', h.quality);
  }

  const rawExtras: unknown = h.extras;
  if (typeof rawExtras !== 'object' || rawExtras === null || Array.isArray(rawExtras) || rawExtras instanceof Map) {
    throw invalid('header.extras', 'a plain object of numbers ({} for none)', rawExtras);
  }
  const keys = Object.keys(rawExtras).sort();
  if (keys.length > MAX_EXTRAS) throw invalid('header.extras', `at most ${MAX_EXTRAS} entries`, `${keys.length} entries`);
  const extras: (readonly [string, number])[] = [];
  let extrasBytes = 1;
  for (const key of keys) {
    if (!isValidExtraKey(key)) {
      throw invalid('header.extras key', `1..${MAX_EXTRA_KEY_BYTES} printable ASCII characters without spaces (0x21..0x7e)`, key);
    }
    const value: unknown = (rawExtras as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`header.extras[${JSON.stringify(key)}]`, 'a finite number', value);
    extras.push([key, value]);
    extrasBytes += 1 + key.length + 8;
  }

  const streams: unknown = c.streams;
  if (!Array.isArray(streams)) throw invalid('streams', 'an array of Uint8Array', streams);
  if (streams.length > MAX_STREAMS) throw invalid('streams', `at most ${MAX_STREAMS} streams`, `${streams.length} streams`);
  let payloadBytes = 0;
  let lengthsBytes = varUintLength(streams.length);
  for (let i = 0; i < streams.length; i++) {
    const s: unknown = streams[i];
    if (!(s instanceof Uint8Array)) throw invalid(`streams[${i}]`, 'a Uint8Array', s);
    payloadBytes += s.length;
    lengthsBytes += varUintLength(s.length);
  }

  const headerBytes =
    PREAMBLE_BYTES +
    1 +
    nameBytes.length +
    DIGEST_BYTES +
    varUintLength(h.width) +
    varUintLength(h.height) +
    varUintLength(h.paddedWidth) +
    varUintLength(h.paddedHeight) +
    1 +
    1 +
    8 +
    extrasBytes +
    lengthsBytes;
  const totalBytes = headerBytes + payloadBytes + CHECKSUM_BYTES;
  if (!Number.isSafeInteger(totalBytes)) throw invalid('streams', 'a total size below 2^53 bytes', `${totalBytes} bytes`);
  return { nameBytes, extras, headerBytes, payloadBytes, totalBytes };
}
