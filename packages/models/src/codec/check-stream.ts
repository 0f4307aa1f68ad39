import { CorruptStreamError, InvalidArgumentError } from '@ncomp/core';
import type { LatentCheck } from '../latent-codecs/latent-check.js';

/** Version of the check stream's layout. */
const CHECK_STREAM_VERSION = 1;
/** Longest backend name recorded. */
const MAX_BACKEND_BYTES = 32;
/** Most coded parts of y (ChARM slices) a check lists. */
const MAX_PARTS = 255;

/** What the `check` stream of a compressed image holds. */
export interface CheckStream {
  /** The TF.js backend that encoded the image (for messages only; decoding never depends on it). */
  readonly backend: string;
  /** The latent codec's digests. */
  readonly check: LatentCheck;
}

/**
 * Serialises a {@link CheckStream}: version byte, backend name (length byte + ASCII), a
 * flags byte (bit 0: hyper-latent digest present), that digest, the number of parts and
 * per part the table-index and symbol digests (32-bit little-endian each). 11 bytes plus
 * 8 per part for a hyperprior.
 * @throws InvalidArgumentError for a backend name that is not 1..32 printable ASCII characters or too many parts.
 */
export function encodeCheckStream(stream: CheckStream): Uint8Array {
  const name = stream.backend;
  if (!/^[\x21-\x7e]{1,32}$/.test(name))
    throw new InvalidArgumentError(`check stream: backend name must be 1..${MAX_BACKEND_BYTES} printable ASCII characters, found ${JSON.stringify(name)}`);
  const { check } = stream;
  if (check.parts.length > MAX_PARTS) throw new InvalidArgumentError(`check stream: at most ${MAX_PARTS} parts, found ${check.parts.length}`);
  const hasHyper = check.hyper !== undefined;
  const size = 2 + name.length + 1 + (hasHyper ? 4 : 0) + 1 + 8 * check.parts.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let o = 0;
  out[o++] = CHECK_STREAM_VERSION;
  out[o++] = name.length;
  for (let i = 0; i < name.length; i++) out[o++] = name.charCodeAt(i);
  out[o++] = hasHyper ? 1 : 0;
  if (hasHyper) {
    view.setUint32(o, check.hyper! >>> 0, true);
    o += 4;
  }
  out[o++] = check.parts.length;
  for (const p of check.parts) {
    view.setUint32(o, p.indexes >>> 0, true);
    view.setUint32(o + 4, p.symbols >>> 0, true);
    o += 8;
  }
  return out;
}

/**
 * Parses a check stream (the inverse of {@link encodeCheckStream}).
 * @throws CorruptStreamError for anything but an exact, well-formed stream.
 */
export function decodeCheckStream(bytes: Uint8Array): CheckStream {
  const fail = (what: string): never => {
    throw new CorruptStreamError(`the check stream (${bytes.length} bytes) is damaged: ${what}`);
  };
  if (bytes.length < 4) fail('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  if (bytes[o++] !== CHECK_STREAM_VERSION) fail(`layout ${bytes[0]} is not ${CHECK_STREAM_VERSION}`);
  const n = bytes[o++]!;
  if (n < 1 || n > MAX_BACKEND_BYTES || o + n + 2 > bytes.length) fail('bad backend name length');
  let backend = '';
  for (let i = 0; i < n; i++) {
    const c = bytes[o++]!;
    if (c < 0x21 || c > 0x7e) fail('the backend name is not printable ASCII');
    backend += String.fromCharCode(c);
  }
  const flags = bytes[o++]!;
  if (flags > 1) fail(`unknown flags ${flags}`);
  let hyper: number | undefined;
  if (flags === 1) {
    if (o + 4 > bytes.length) fail('truncated');
    hyper = view.getUint32(o, true);
    o += 4;
  }
  if (o + 1 > bytes.length) fail('truncated');
  const count = bytes[o++]!;
  if (o + 8 * count !== bytes.length) fail(`${count} parts need ${o + 8 * count} bytes`);
  const parts: { indexes: number; symbols: number }[] = [];
  for (let i = 0; i < count; i++, o += 8) parts.push({ indexes: view.getUint32(o, true), symbols: view.getUint32(o + 4, true) });
  return { backend, check: hyper === undefined ? { parts } : { hyper, parts } };
}
