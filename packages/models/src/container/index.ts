/**
 * `@ncomp/models/container`: the .ncomp bitstream container, in pure TypeScript (no
 * TensorFlow.js, no Node built-ins; it runs in browsers too). A compressed image file is
 * a header (model identity, image geometry, quality, extras), the model's coded streams,
 * and a CRC-32. {@link encodeContainer} writes one, {@link decodeContainer} reads one
 * strictly, {@link checkContainerModel} refuses a file of another model and
 * {@link describeContainer} summarises one for `ncomp info`.
 *
 * ## Byte layout, format version 2
 *
 * Integers marked *varint* are unsigned LEB128 (7 bits per byte, least significant group
 * first, high bit set on all but the last byte), in their shortest form. Floats are IEEE
 * 754 float64, little-endian. `N` is the model name's length in bytes.
 *
 * | Offset | Size | Field | Encoding and allowed values |
 * | --- | --- | --- | --- |
 * | 0 | 4 | magic | ASCII `NCMP` = `4e 43 4d 50` |
 * | 4 | 1 | format version | `2` |
 * | 5 | 1 | model name length `N` | 1..255 |
 * | 6 | N | model name | UTF-8 (well-formed; a leading U+FEFF is kept) |
 * | 6 + N | 16 | weights digest | first 16 bytes of the SHA-256 of the model's weights file |
 * | 22 + N | 1..5 | width | varint, 1 .. 2^31 - 1 pixels |
 * | … | 1..5 | height | varint, 1 .. 2^31 - 1 pixels |
 * | … | 1..5 | padded width | varint, width .. 2^31 - 1 pixels |
 * | … | 1..5 | padded height | varint, height .. 2^31 - 1 pixels |
 * | … | 1 | channel layout | 1 gray, 2 gray-alpha, 3 rgb, 4 rgba |
 * | … | 1 | bit depth | 8 or 16 |
 * | … | 8 | quality | float64 LE, finite |
 * | … | 1 | extras count `E` | 0..255 |
 * | … | per extra | key length `K`, key, value | 1 byte `K` (1..64); `K` bytes of printable ASCII 0x21..0x7e; float64 LE, finite. Keys strictly ascending (byte order), so unique |
 * | … | 1..2 | stream count `S` | varint, 0..1024 |
 * | … | per stream | stream length | varint, 0 .. 2^53 - 1 bytes, `S` of them |
 * | … | sum of lengths | stream payloads | concatenated in stream order |
 * | L - 4 | 4 | checksum | CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) of bytes 0 .. L - 5, uint32 LE |
 *
 * `L` is the file length; nothing may follow the checksum. The smallest file (1-byte name,
 * 1 x 1 image, no extras, no streams) is 43 bytes.
 *
 * ## Reading order and errors
 *
 * A reader checks the magic (else `UnsupportedFormatError`, naming PNG, JPEG, WebP, GIF
 * and other formats it recognises), then the version (else `UnsupportedFormatError`:
 * a newer format means upgrading `@ncomp/cli`), then the checksum over everything before
 * it, and only then parses the fields. A file shorter than its fields declare, with bytes
 * appended, failing the checksum, or holding invalid fields is refused with a
 * `CorruptStreamError` that says which (a prefix of fewer than 5 bytes that begins like
 * the magic counts as truncated). Every accepted file re-encodes to the same bytes.
 *
 * `FORMAT.md` beside the sources holds the same table.
 *
 * @packageDocumentation
 */
export { CONTAINER_MAGIC, CONTAINER_VERSION, type ChannelLayout, type Container, type ContainerHeader } from './format.js';
export { encodeContainer } from './encode.js';
export { decodeContainer } from './decode.js';
export { checkContainerModel, weightsDigest } from './model-check.js';
export { describeContainer } from './describe.js';
export { sha256 } from './sha256.js';
export { crc32 } from './crc32.js';
