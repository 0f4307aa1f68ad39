/**
 * Parsing and validation of a safetensors header, without decoding any tensor data.
 *
 * File layout: an 8-byte little-endian unsigned integer N, then N bytes of UTF-8 JSON
 * `{ "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ...,
 * "__metadata__": { "<key>": "<string>" } }` (metadata optional), then the byte buffer
 * that the offsets index (offsets are relative to the buffer's start).
 */
import { CorruptStreamError, UnsupportedFormatError } from '../errors/index.js';
import type { SafetensorsDtype } from './dtype.js';
import { isSafetensorsDtype, numElements, SAFETENSORS_DTYPES, SAFETENSORS_ITEM_SIZE } from './dtype.js';

/** The reserved header key holding free-form string metadata. */
export const METADATA_KEY = '__metadata__';

/**
 * Largest accepted header, in bytes. The reference implementation refuses headers above
 * 100 MB too; a larger length field is far more likely damage than a real header.
 */
export const MAX_HEADER_LENGTH = 100_000_000;

/** One tensor's header entry, validated against the file's byte buffer. */
export interface SafetensorsEntry {
  /** Tensor name (the header key). */
  readonly name: string;
  /** Element type. */
  readonly dtype: SafetensorsDtype;
  /** Dimensions, each a non-negative integer. */
  readonly shape: readonly number[];
  /**
   * `[begin, end)` byte range of the data, relative to the start of the byte buffer
   * (that is, to `dataStart` of the file).
   */
  readonly dataOffsets: readonly [number, number];
}

/** A parsed and fully validated safetensors header. */
export interface SafetensorsHeader {
  /** Tensor entries in header (JSON) order. */
  readonly entries: readonly SafetensorsEntry[];
  /** The `__metadata__` map (empty when the file has none). */
  readonly metadata: Readonly<Record<string, string>>;
  /** N, the header's length in bytes as stored in the first 8 bytes. */
  readonly headerLength: number;
  /** Byte offset of the data buffer in the file (8 + N). */
  readonly dataStart: number;
  /** Length of the data buffer in bytes (file length - 8 - N). */
  readonly dataLength: number;
}

function corrupt(message: string): CorruptStreamError {
  return new CorruptStreamError(`safetensors: ${message}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array ${truncate(JSON.stringify(value))}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `string ${truncate(JSON.stringify(value))}`;
  return `${typeof value} ${String(value)}`;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseEntry(name: string, raw: unknown): SafetensorsEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (!isPlainObject(raw)) {
    throw corrupt(`${where}: expected an object {dtype, shape, data_offsets}, found ${describe(raw)}`);
  }
  // Unknown extra fields are ignored, as the reference reader ignores them; every field
  // the data layout depends on is required and checked.
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!Object.hasOwn(raw, field)) throw corrupt(`${where}: missing field "${field}"`);
  }
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string') {
    throw corrupt(`${where}: expected "dtype" to be a string, found ${describe(dtype)}`);
  }
  if (!isSafetensorsDtype(dtype)) {
    throw new UnsupportedFormatError(`safetensors: ${where} has dtype ${JSON.stringify(dtype)}; supported dtypes are ${SAFETENSORS_DTYPES.join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeSafeInteger)) {
    throw corrupt(`${where}: expected "shape" to be an array of non-negative integers, found ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isNonNegativeSafeInteger(offsets[0]) || !isNonNegativeSafeInteger(offsets[1])) {
    throw corrupt(`${where}: expected "data_offsets" to be [begin, end] with non-negative integers, found ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw corrupt(`${where}: data_offsets [${begin}, ${end}] end before begin`);
  const numel = numElements(shape as number[]);
  const itemSize = SAFETENSORS_ITEM_SIZE[dtype];
  const expectedBytes = numel === undefined ? undefined : numel * itemSize;
  if (expectedBytes === undefined || !Number.isSafeInteger(expectedBytes) || expectedBytes !== end - begin) {
    throw corrupt(
      `${where}: shape [${shape.join(', ')}] of ${dtype} needs ${expectedBytes ?? 'more than 2^53'} bytes ` +
        `(${numel ?? '?'} x ${itemSize}), found data_offsets [${begin}, ${end}] spanning ${end - begin} bytes`,
    );
  }
  return { name, dtype, shape: [...(shape as number[])], dataOffsets: [begin, end] };
}

function parseMetadata(raw: unknown): Record<string, string> {
  if (!isPlainObject(raw)) {
    throw corrupt(`expected "${METADATA_KEY}" to be an object of strings, found ${describe(raw)}`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      throw corrupt(`expected "${METADATA_KEY}" value ${JSON.stringify(key)} to be a string, found ${describe(value)}`);
    }
    // defineProperty: a key named "__proto__" must become data, not a prototype change.
    Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

/**
 * Reads and validates the header of a safetensors file held in memory.
 *
 * Checks, each failing with a {@link CorruptStreamError} that says what was expected and
 * found: the file holds the 8-byte length and the whole header (at most
 * {@link MAX_HEADER_LENGTH} bytes); the header is UTF-8 JSON whose top level is an
 * object; `__metadata__`, if present, maps strings to strings; every tensor entry has a
 * string `dtype`, a `shape` of non-negative integers and `data_offsets` `[begin, end]`
 * with `end - begin` equal to elements x item size; and the entries' ranges, sorted,
 * tile the byte buffer exactly (no gap, no overlap, nothing left over), as the reference
 * implementation requires. A dtype this package does not support fails with
 * {@link UnsupportedFormatError}.
 *
 * @param bytes - The complete file.
 * @returns The validated header; tensor data is not decoded.
 * @throws CorruptStreamError, UnsupportedFormatError
 */
export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.length < 8) {
    throw corrupt(`expected at least 8 bytes (the header length), found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storedLength = view.getBigUint64(0, true);
  const available = bytes.length - 8;
  if (storedLength > BigInt(available)) {
    throw corrupt(`header length field says ${storedLength} bytes, but only ${available} bytes follow it`);
  }
  const headerLength = Number(storedLength);
  if (headerLength > MAX_HEADER_LENGTH) {
    throw corrupt(`header length ${headerLength} exceeds the ${MAX_HEADER_LENGTH}-byte limit`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch (cause) {
    throw new CorruptStreamError('safetensors: header is not valid UTF-8', { cause });
  }
  if (!text.startsWith('{')) {
    throw corrupt(`expected the header to be a JSON object starting with "{", found ${JSON.stringify(text.slice(0, 20))}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new CorruptStreamError(`safetensors: header is not valid JSON (${reason})`, { cause });
  }
  if (!isPlainObject(json)) throw corrupt(`expected the header to be a JSON object, found ${describe(json)}`);

  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === METADATA_KEY) metadata = parseMetadata(raw);
    else entries.push(parseEntry(name, raw));
  }

  // The ranges must tile [0, dataLength) exactly. Sorting by (begin, end) puts
  // zero-length tensors before a non-empty one starting at the same offset.
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const sorted = [...entries].sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let cursor = 0;
  let previous: SafetensorsEntry | undefined;
  for (const entry of sorted) {
    const [begin, end] = entry.dataOffsets;
    if (begin !== cursor) {
      const after = previous === undefined ? 'the start of the buffer' : `tensor ${JSON.stringify(previous.name)}`;
      const problem = begin < cursor ? 'overlaps' : `leaves a gap of ${begin - cursor} bytes after`;
      throw corrupt(`tensor ${JSON.stringify(entry.name)} data_offsets [${begin}, ${end}] ${problem} ${after}: ` + `expected it to begin at byte ${cursor}`);
    }
    cursor = end;
    previous = entry;
  }
  if (cursor !== dataLength) {
    throw corrupt(
      cursor > dataLength
        ? `tensor data needs ${cursor} bytes, but the file holds only ${dataLength} bytes after the header (truncated?)`
        : `tensor data covers ${cursor} bytes, but the file holds ${dataLength} bytes after the header (${dataLength - cursor} unaccounted)`,
    );
  }
  return { entries, metadata, headerLength, dataStart, dataLength };
}
