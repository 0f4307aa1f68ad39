/** Writing a container: validate everything, then lay the bytes out as documented in `FORMAT.md`. */
import { NcompError } from '@ncomp/core/errors';
import { CHANNEL_CODES, CHECKSUM_BYTES, CONTAINER_VERSION, MAGIC_BYTES, planContainer, type Container } from './format.js';
import { crc32 } from './crc32.js';
import { writeVarUint } from './varint.js';

/**
 * Serializes a container to bytes (format version {@link CONTAINER_VERSION}; layout in the
 * package documentation and `FORMAT.md`).
 *
 * Every field is validated before anything is written. The output is canonical: the same
 * container always gives the same bytes (extras are written sorted by key), and
 * {@link decodeContainer} of the output gives back an equal container.
 *
 * @param c - The header and streams. Nothing is retained: the result is a new buffer.
 * @returns The whole file: header, stream payloads and the 4-byte CRC-32.
 * @throws InvalidArgumentError naming the first invalid field, what it must be and what
 *   it is: a model name of 0 or more than 255 UTF-8 bytes (or with an unpaired
 *   surrogate), a digest that is not 16 bytes, a width or height outside 1 .. 2^31 - 1, a
 *   padded size smaller than the image or above 2^31 - 1, an unknown channel layout, a
 *   bit depth other than 8 or 16, a non-finite quality, more than 255 extras or a bad
 *   extras key or value, more than 1024 streams or a stream that is not a Uint8Array.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { decodeContainer, encodeContainer, weightsDigest, type Container } from '@ncomp/models/container';
 *
 * const modelFile = new TextEncoder().encode('the bytes of the model file'); // e.g. readFile(path)
 * const container: Container = {
 *   header: {
 *     modelName: 'bmshj2018',
 *     weightsDigest: weightsDigest(modelFile),
 *     width: 30,
 *     height: 20,
 *     paddedWidth: 64, // what the codec coded (ImageCodec.compress's paddedWidth / paddedHeight)
 *     paddedHeight: 64,
 *     channels: 'rgb',
 *     bitDepth: 8,
 *     quality: 0,
 *     extras: { 'latent.h': 4, 'latent.w': 4 }, // numbers a codec needs besides the streams
 *   },
 *   streams: [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5), new Uint8Array(0)], // e.g. ImageCodec.compress's
 * };
 * const bytes = encodeContainer(container);
 * assert.deepEqual(decodeContainer(bytes), container);
 * assert.deepEqual(encodeContainer(decodeContainer(bytes)), bytes); // canonical: the same bytes again
 * // Fields are checked before anything is written.
 * assert.throws(() => encodeContainer({ ...container, header: { ...container.header, width: 0 } }), /width/);
 * ```
 */
export function encodeContainer(c: Container): Uint8Array {
  const plan = planContainer(c);
  const h = c.header;
  const out = new Uint8Array(plan.totalBytes);
  const view = new DataView(out.buffer);
  out.set(MAGIC_BYTES, 0);
  let at = MAGIC_BYTES.length;
  out[at++] = CONTAINER_VERSION;
  out[at++] = plan.nameBytes.length;
  out.set(plan.nameBytes, at);
  at += plan.nameBytes.length;
  out.set(h.weightsDigest, at);
  at += h.weightsDigest.length;
  at = writeVarUint(h.width, out, at);
  at = writeVarUint(h.height, out, at);
  at = writeVarUint(h.paddedWidth, out, at);
  at = writeVarUint(h.paddedHeight, out, at);
  out[at++] = CHANNEL_CODES[h.channels];
  out[at++] = h.bitDepth;
  view.setFloat64(at, h.quality, true);
  at += 8;
  out[at++] = plan.extras.length;
  for (const [key, value] of plan.extras) {
    out[at++] = key.length;
    for (let i = 0; i < key.length; i++) out[at++] = key.charCodeAt(i);
    view.setFloat64(at, value, true);
    at += 8;
  }
  at = writeVarUint(c.streams.length, out, at);
  for (const s of c.streams) at = writeVarUint(s.length, out, at);
  for (const s of c.streams) {
    out.set(s, at);
    at += s.length;
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  at += CHECKSUM_BYTES;
  if (at !== out.length) throw new NcompError(`encodeContainer: internal error, wrote ${at} of ${out.length} bytes`);
  return out;
}
