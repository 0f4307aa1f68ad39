/** Reading a container: magic and version, then the checksum, then every field, strictly. */
import { type CorruptStreamError, InvalidArgumentError, NcompError, UnsupportedFormatError } from '@ncomp/core/errors';
import { crc32 } from './crc32.js';
import {
  CHANNEL_LAYOUTS,
  CHECKSUM_BYTES,
  CONTAINER_VERSION,
  DIGEST_BYTES,
  MAGIC_BYTES,
  MIN_FILE_BYTES,
  MAX_DIMENSION,
  MAX_STREAMS,
  PREAMBLE_BYTES,
  isValidExtraKey,
  type Container,
  type ContainerHeader,
} from './format.js';
import { ByteReader, corrupt } from './reader.js';
import { guessFormat, hexBytes } from './sniff.js';

const MAGIC_TEXT = `${hexBytes(Uint8Array.from(MAGIC_BYTES))} ("NCMP")`;

/**
 * Parses a container (format version {@link CONTAINER_VERSION}) from bytes.
 *
 * Checks, in this order: the magic and the version byte; the CRC-32 at the end against
 * every byte before it (so damage anywhere is reported as damage, not as a strange field
 * value); then every field, strictly: values in range, varints in their shortest form,
 * extras keys in ascending order, and the last stream ending exactly at the checksum.
 * Anything this function accepts re-encodes to the same bytes with {@link encodeContainer}.
 *
 * @param bytes - A whole .ncomp file. Not modified and not retained: the result's digest
 *   and streams are copies.
 * @returns The header and the streams.
 * @throws UnsupportedFormatError when the first 4 bytes are not "NCMP" (the message names
 *   PNG, JPEG, WebP, GIF and other formats it recognises) or the version byte is not
 *   {@link CONTAINER_VERSION} (the message names both versions).
 * @throws CorruptStreamError when the file is truncated (any length short of complete,
 *   including fewer than 5 bytes that begin like "NCMP"), has bytes appended after the
 *   checksum, fails the checksum, or (with a matching checksum) holds a bad varint, a
 *   length that overruns, a model name that is not UTF-8 or a field out of range; the
 *   message says which and at which byte offset.
 * @throws InvalidArgumentError when `bytes` is not a Uint8Array.
 *
 * @example
 * Reading a file strictly: damage, truncation and other formats are refused with typed
 * errors, and a file of another model is caught before any stream is decoded.
 * ```ts
 * import assert from 'node:assert/strict';
 * import { CorruptStreamError, ModelMismatchError, UnsupportedFormatError } from '@ncomp/core/errors';
 * import { checkContainerModel, decodeContainer, encodeContainer, weightsDigest } from '@ncomp/models/container';
 *
 * const digest = weightsDigest(new TextEncoder().encode('model file bytes'));
 * const header = {
 *   modelName: 'bls2017',
 *   weightsDigest: digest,
 *   width: 16,
 *   height: 16,
 *   paddedWidth: 16,
 *   paddedHeight: 16,
 *   channels: 'rgb',
 *   bitDepth: 8,
 *   quality: 0,
 *   extras: {},
 * } as const;
 * const file = encodeContainer({ header, streams: [Uint8Array.of(7, 7, 7)] });
 *
 * const { header: read, streams } = decodeContainer(file);
 * checkContainerModel(read, 'bls2017', digest); // passes: the same model and weights
 * assert.deepEqual(streams, [Uint8Array.of(7, 7, 7)]);
 *
 * const damaged = file.slice();
 * damaged[30]! ^= 0x10; // one bit flipped: the checksum no longer matches
 * assert.throws(() => decodeContainer(damaged), CorruptStreamError);
 * assert.throws(() => decodeContainer(file.subarray(0, file.length - 1)), CorruptStreamError);
 * const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
 * assert.throws(() => decodeContainer(png), UnsupportedFormatError); // the message says it is a PNG
 * const otherWeights = weightsDigest(new TextEncoder().encode('retrained model file bytes'));
 * assert.throws(() => checkContainerModel(read, 'bls2017', otherWeights), ModelMismatchError);
 * ```
 */
export function decodeContainer(bytes: Uint8Array): Container {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(`decodeContainer: expected a Uint8Array, found ${typeof bytes}`);
  }
  checkPreamble(bytes);
  const n = bytes.length;
  if (n >= PREAMBLE_BYTES + CHECKSUM_BYTES) {
    const body = n - CHECKSUM_BYTES;
    const stored = readU32(bytes, body);
    if (stored === crc32(bytes.subarray(0, body))) {
      const reader = new ByteReader(bytes, body, PREAMBLE_BYTES);
      const container = parseFields(reader);
      if (reader.offset !== body) {
        throw corrupt(`${body - reader.offset} unexpected bytes between the end of the last stream (byte ${reader.offset}) and the checksum (byte ${body})`);
      }
      return container;
    }
  }
  throw diagnose(bytes);
}

/** Checks magic and version; for inputs shorter than 5 bytes, only what is there. */
function checkPreamble(bytes: Uint8Array): void {
  const head = bytes.subarray(0, MAGIC_BYTES.length);
  if (!head.every((b, i) => b === MAGIC_BYTES[i])) {
    const guess = guessFormat(bytes);
    const shown = head.length === 0 ? 'nothing' : hexBytes(head) + (head.length < 4 ? ` (only ${head.length} bytes)` : '');
    throw new UnsupportedFormatError(
      `not an ncomp file: starts with ${shown}${guess === undefined ? '' : ` (looks like ${guess})`}; an ncomp file starts with ${MAGIC_TEXT}`,
    );
  }
  if (bytes.length < PREAMBLE_BYTES) {
    const what =
      bytes.length === 0 ? 'the input is empty' : `only ${bytes.length} bytes, ${bytes.length === 4 ? 'the "NCMP" magic' : 'the start of the "NCMP" magic'}`;
    throw corrupt(`truncated: ${what}; the smallest ncomp file has ${MIN_FILE_BYTES} bytes`);
  }
  const version = bytes[MAGIC_BYTES.length]!;
  if (version > CONTAINER_VERSION) {
    throw new UnsupportedFormatError(`written by a newer ncomp (format ${version}); this version reads format ${CONTAINER_VERSION} — upgrade @ncomp/cli`);
  }
  if (version >= 1 && version < CONTAINER_VERSION) {
    throw new UnsupportedFormatError(
      `made by another format version: format ${version}, written by an earlier ncomp whose entropy parameters depended on the backend; this version reads format ${CONTAINER_VERSION} only — decode it with the ncomp version that wrote it (@ncomp/cli 0.1.x before portable bitstreams), or compress the image again`,
    );
  }
  if (version !== CONTAINER_VERSION) {
    throw new UnsupportedFormatError(
      `ncomp format ${version} does not exist (the first format is 1; this version reads format ${CONTAINER_VERSION}); the version byte is damaged`,
    );
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

/**
 * The error for a file whose checksum does not match (or that is too short to have one):
 * parses the fields without the checksum to tell truncation and appended bytes from
 * other damage.
 */
function diagnose(bytes: Uint8Array): CorruptStreamError {
  const n = bytes.length;
  const reader = new ByteReader(bytes, n, PREAMBLE_BYTES);
  let end: number;
  try {
    parseFields(reader);
    end = reader.offset;
  } catch (err) {
    if (!(err instanceof NcompError)) throw err;
    if (reader.overrun !== undefined) {
      const detail = err.message.replace(/^corrupt ncomp file: (truncated: )?/, '');
      return corrupt(
        `truncated: the file has ${n} bytes, but its header declares at least ${reader.overrun + CHECKSUM_BYTES} (with the 4-byte checksum): ${detail} — unless a length field is damaged (the checksum does not match either)`,
        { cause: err },
      );
    }
    return checksumError(bytes, `; first inconsistent field: ${err.message.replace(/^corrupt ncomp file: /, '')}`, err);
  }
  const total = end + CHECKSUM_BYTES;
  if (total > n) {
    return corrupt(`truncated: the file has ${n} bytes, but its header declares ${total} (with the 4-byte checksum)`);
  }
  if (total < n && readU32(bytes, end) === crc32(bytes.subarray(0, end))) {
    return corrupt(
      `${n - total} trailing bytes after the end of the container: it ends at byte ${total} (its checksum matches there) but the input has ${n} bytes — data appended, or two files joined?`,
    );
  }
  return checksumError(bytes, total < n ? `; its fields end at byte ${total} but the file has ${n} bytes` : '');
}

function checksumError(bytes: Uint8Array, detail: string, cause?: unknown): CorruptStreamError {
  const body = bytes.length - CHECKSUM_BYTES;
  const message = `checksum mismatch: stored CRC-32 ${hex32(readU32(bytes, body))}, computed ${hex32(crc32(bytes.subarray(0, body)))} over bytes 0..${body - 1} — the file is damaged${detail}`;
  return cause === undefined ? corrupt(message) : corrupt(message, { cause });
}

/** Reads every field after magic and version, validating ranges; `reader.offset` ends after the last payload. */
function parseFields(r: ByteReader): Container {
  const nameLength = r.u8('model name length');
  if (nameLength === 0) throw corrupt(`model name length at byte ${r.offset - 1}: expected 1..255, found 0`);
  const nameAt = r.offset;
  const nameBytes = r.take(nameLength, `model name (${nameLength} bytes)`);
  let modelName: string;
  try {
    modelName = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(nameBytes);
  } catch (err) {
    throw corrupt(
      `model name at bytes ${nameAt}..${nameAt + nameLength - 1} is not valid UTF-8 (${hexBytes(nameBytes.subarray(0, 16))}${nameLength > 16 ? ' ...' : ''})`,
      { cause: err },
    );
  }
  const weightsDigest = r.take(DIGEST_BYTES, 'weights digest').slice();
  const width = dimension(r, 'width', 1);
  const height = dimension(r, 'height', 1);
  const paddedWidth = dimension(r, 'padded width', width);
  const paddedHeight = dimension(r, 'padded height', height);
  const channelCode = r.u8('channel layout');
  const channels = CHANNEL_LAYOUTS[channelCode];
  if (channels === undefined) {
    throw corrupt(`channel layout at byte ${r.offset - 1}: expected 1 (gray), 2 (gray-alpha), 3 (rgb) or 4 (rgba), found ${channelCode}`);
  }
  const bitDepth = r.u8('bit depth');
  if (bitDepth !== 8 && bitDepth !== 16) throw corrupt(`bit depth at byte ${r.offset - 1}: expected 8 or 16, found ${bitDepth}`);
  const quality = r.float64('quality');
  if (!Number.isFinite(quality)) throw corrupt(`quality at byte ${r.offset - 8}: expected a finite number, found ${quality}`);

  const extrasCount = r.u8('extras count');
  const entries: [string, number][] = [];
  let previous = '';
  for (let i = 0; i < extrasCount; i++) {
    const keyAt = r.offset;
    const keyLength = r.u8(`extras[${i}] key length`);
    const keyBytes = r.take(keyLength, `extras[${i}] key (${keyLength} bytes)`);
    const key = String.fromCharCode(...keyBytes);
    if (!isValidExtraKey(key)) {
      throw corrupt(
        `extras[${i}] key at byte ${keyAt}: expected 1..64 printable ASCII bytes (0x21..0x7e), found ${keyLength} bytes ${hexBytes(keyBytes.subarray(0, 16))}`,
      );
    }
    if (i > 0 && !(key > previous)) {
      throw corrupt(
        `extras[${i}] key ${JSON.stringify(key)} at byte ${keyAt}: expected keys in strictly ascending order, but it follows ${JSON.stringify(previous)}`,
      );
    }
    const value = r.float64(`extras[${JSON.stringify(key)}] value`);
    if (!Number.isFinite(value)) throw corrupt(`extras[${JSON.stringify(key)}] value at byte ${r.offset - 8}: expected a finite number, found ${value}`);
    entries.push([key, value]);
    previous = key;
  }

  const streamCount = r.varUint('stream count', MAX_STREAMS);
  const lengths: number[] = [];
  let payloadEnd = 0; // relative to the first payload byte
  for (let i = 0; i < streamCount; i++) {
    const length = r.varUint(`stream ${i} length`, Number.MAX_SAFE_INTEGER);
    lengths.push(length);
    payloadEnd += length;
  }
  const payloadStart = r.offset;
  if (payloadEnd > r.end - payloadStart) {
    r.overrun = payloadStart + payloadEnd;
    throw corrupt(
      `truncated: the ${streamCount} stream lengths add up to ${payloadEnd} bytes from byte ${payloadStart}, but the data ends at byte ${r.end} (${r.end - payloadStart} bytes of streams)`,
    );
  }
  const streams = lengths.map((length, i) => r.take(length, `stream ${i}`).slice());

  const header: ContainerHeader = {
    modelName,
    weightsDigest,
    width,
    height,
    paddedWidth,
    paddedHeight,
    channels,
    bitDepth,
    quality,
    extras: Object.fromEntries(entries),
  };
  return { header, streams };
}

function dimension(r: ByteReader, what: string, min: number): number {
  const at = r.offset;
  const v = r.varUint(what, MAX_DIMENSION);
  if (v < min) {
    throw corrupt(`${what} at byte ${at}: expected ${min === 1 ? 'at least 1 pixel' : `at least ${min} (the unpadded size)`}, found ${v}`);
  }
  return v;
}
