import { CorruptStreamError, InvalidArgumentError, NcompError, UnsupportedFormatError } from '@ncomp/core/errors';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MIN_FILE_BYTES } from './format.js';
import { CONTAINER_MAGIC, CONTAINER_VERSION, crc32, decodeContainer, encodeContainer, type Container, type ContainerHeader } from './index.js';

const digest = Uint8Array.from({ length: 16 }, (_, i) => i);

function header(overrides: Partial<ContainerHeader> = {}): ContainerHeader {
  return {
    modelName: 'm',
    weightsDigest: digest,
    width: 300,
    height: 2,
    paddedWidth: 304,
    paddedHeight: 2,
    channels: 'rgb',
    bitDepth: 8,
    quality: 1.5,
    extras: { b: 2, a: -0.5 },
    ...overrides,
  };
}

function container(h: Partial<ContainerHeader> = {}, streams: Uint8Array[] = [Uint8Array.from([1, 2, 3]), new Uint8Array(0)]): Container {
  return { header: header(h), streams };
}

/** Recomputes the trailing CRC-32 of a (crafted) file, so a test reaches the field checks. */
function resealed(bytes: ArrayLike<number>): Uint8Array {
  const out = Uint8Array.from(bytes);
  const body = out.length - 4;
  new DataView(out.buffer).setUint32(body, crc32(out.subarray(0, body)), true);
  return out;
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

// prettier-ignore
const GOLDEN_BODY = [
  0x4e, 0x43, 0x4d, 0x50,       // magic "NCMP"
  0x02,                         // format version
  0x01, 0x6d,                   // model name: 1 byte, "m"
  ...digest,                    // weights digest, 16 bytes
  0xac, 0x02,                   // width 300
  0x02,                         // height 2
  0xb0, 0x02,                   // padded width 304
  0x02,                         // padded height 2
  0x03,                         // channels: rgb
  0x08,                         // bit depth 8
  0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // quality 1.5 (float64 LE)
  0x02,                         // 2 extras, sorted by key
  0x01, 0x61, 0, 0, 0, 0, 0, 0, 0xe0, 0xbf, // "a" = -0.5
  0x01, 0x62, 0, 0, 0, 0, 0, 0, 0x00, 0x40, // "b" = 2
  0x02,                         // 2 streams
  0x03, 0x00,                   // lengths 3 and 0
  0x01, 0x02, 0x03,             // payloads
];

describe('container byte layout', () => {
  it('writes exactly the documented bytes, CRC-32 little-endian at the end', () => {
    const bytes = encodeContainer(container());
    const crc = zlib.crc32(Uint8Array.from(GOLDEN_BODY));
    expect([...bytes]).toEqual([...GOLDEN_BODY, crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24]);
  });

  it('exports the magic and version; changing the exported magic array changes nothing else', () => {
    expect(new TextDecoder().decode(CONTAINER_MAGIC)).toBe('NCMP');
    expect(CONTAINER_VERSION).toBe(2);
    const saved = CONTAINER_MAGIC.slice();
    CONTAINER_MAGIC.fill(0);
    try {
      expect(decodeContainer(encodeContainer(container())).header.modelName).toBe('m');
    } finally {
      CONTAINER_MAGIC.set(saved);
    }
  });

  it('round trips, returning copies (not views of the input)', () => {
    const bytes = encodeContainer(container());
    const back = decodeContainer(bytes);
    expect(back.header).toEqual(header());
    expect(back.streams.map((s) => [...s])).toEqual([[1, 2, 3], []]);
    bytes.fill(0);
    expect(back.streams[0]).toEqual(Uint8Array.from([1, 2, 3]));
    expect(back.header.weightsDigest).toEqual(digest);
  });

  it('reads a file from a view into a larger buffer (non-zero byteOffset)', () => {
    const bytes = encodeContainer(container());
    const big = new Uint8Array(bytes.length + 7);
    big.set(bytes, 3);
    expect(decodeContainer(big.subarray(3, 3 + bytes.length)).header.quality).toBe(1.5);
  });

  it('is canonical: extras order does not change the bytes', () => {
    const a = encodeContainer(container({ extras: { z: 1, a: 2, '10': 3, '9': 4 } }));
    const b = encodeContainer(container({ extras: { '9': 4, a: 2, '10': 3, z: 1 } }));
    expect(a).toEqual(b);
  });

  it('keeps awkward names and keys: a leading BOM, non-ASCII, "__proto__"', () => {
    const h = header({ modelName: '\ufeffmodèle-🙂', extras: JSON.parse('{"__proto__": 5, "constructor": 1}') as Record<string, number> });
    const back = decodeContainer(encodeContainer({ header: h, streams: [] }));
    expect(back.header.modelName).toBe('\ufeffmodèle-🙂');
    expect(Object.entries(back.header.extras).sort()).toEqual([
      ['__proto__', 5],
      ['constructor', 1],
    ]);
  });

  it('the smallest file is 43 bytes (MIN_FILE_BYTES)', () => {
    const bytes = encodeContainer({ header: header({ width: 1, height: 1, paddedWidth: 1, paddedHeight: 1, extras: {} }), streams: [] });
    expect(bytes.length).toBe(43);
    expect(MIN_FILE_BYTES).toBe(43);
    expect(decodeContainer(bytes).streams).toEqual([]);
  });

  it('stores the largest sizes and -0 quality', () => {
    const max = 2 ** 31 - 1;
    const h = header({ width: max, height: max, paddedWidth: max, paddedHeight: max, quality: -0 });
    const back = decodeContainer(encodeContainer({ header: h, streams: [] }));
    expect(back.header.width).toBe(max);
    expect(Object.is(back.header.quality, -0)).toBe(true);
  });
});

describe('decodeContainer: not an ncomp file', () => {
  const cases: [string, number[], RegExp][] = [
    ['PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], /starts with 89 50 4e 47 \(looks like PNG\)/],
    ['JPEG', [0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46], /starts with ff d8 ff e0 \(looks like JPEG\)/],
    ['WebP', [...new TextEncoder().encode('RIFF'), 1, 2, 3, 4, ...new TextEncoder().encode('WEBPVP8 ')], /starts with 52 49 46 46 \(looks like WebP\)/],
    ['GIF', [...new TextEncoder().encode('GIF89a'), 1, 0, 1, 0], /starts with 47 49 46 38 \(looks like GIF\)/],
    ['RIFF (WAV)', [...new TextEncoder().encode('RIFF'), 1, 2, 3, 4, ...new TextEncoder().encode('WAVE')], /looks like a RIFF file/],
  ];
  for (const [name, bytes, message] of cases) {
    it(`recognises ${name}`, () => {
      const err = errorOf(() => decodeContainer(Uint8Array.from(bytes)));
      expect(err).toBeInstanceOf(UnsupportedFormatError);
      expect(err.message).toMatch(/^not an ncomp file: /);
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/an ncomp file starts with 4e 43 4d 50 \("NCMP"\)/);
    });
  }

  it('says plainly when it does not recognise the format', () => {
    const err = errorOf(() => decodeContainer(new TextEncoder().encode('hello world')));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toBe('not an ncomp file: starts with 68 65 6c 6c; an ncomp file starts with 4e 43 4d 50 ("NCMP")');
  });

  it('refuses short inputs that do not begin like the magic as not ncomp', () => {
    expect(errorOf(() => decodeContainer(Uint8Array.from([0x89, 0x50])))).toBeInstanceOf(UnsupportedFormatError);
  });

  it('refuses a non-Uint8Array argument', () => {
    expect(() => decodeContainer([1, 2, 3] as unknown as Uint8Array)).toThrow(InvalidArgumentError);
  });
});

describe('decodeContainer: versions', () => {
  it('names a newer format and what to do', () => {
    const bytes = encodeContainer(container());
    bytes[4] = 3;
    const err = errorOf(() => decodeContainer(bytes));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toBe('written by a newer ncomp (format 3); this version reads format 2 — upgrade @ncomp/cli');
  });

  it('refuses format 1 (entropy parameters computed on the backend) as made by another format version, naming what to do', () => {
    const bytes = encodeContainer(container());
    bytes[4] = 1;
    const err = errorOf(() => decodeContainer(bytes));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toMatch(/^made by another format version: format 1.*reads format 2 only.*compress the image again/);
  });

  it('checks the version before the checksum (a newer format may checksum differently)', () => {
    const bytes = Uint8Array.from([...CONTAINER_MAGIC, 7, 1, 2, 3]);
    expect(errorOf(() => decodeContainer(bytes)).message).toMatch(/format 7/);
  });

  it('calls version 0 damage', () => {
    const bytes = encodeContainer(container());
    bytes[4] = 0;
    const err = errorOf(() => decodeContainer(bytes));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toMatch(/format 0 does not exist/);
  });
});

describe('decodeContainer: damage', () => {
  const good = encodeContainer(container());

  it('calls an empty input or a partial magic truncated', () => {
    for (const bytes of [new Uint8Array(0), Uint8Array.from([0x4e]), Uint8Array.from([0x4e, 0x43, 0x4d, 0x50])]) {
      const err = errorOf(() => decodeContainer(bytes));
      expect(err).toBeInstanceOf(CorruptStreamError);
      expect(err.message).toMatch(/truncated/);
    }
  });

  it('calls a cut inside the streams truncated, with both sizes', () => {
    const err = errorOf(() => decodeContainer(good.subarray(0, good.length - 6)));
    expect(err).toBeInstanceOf(CorruptStreamError);
    expect(err.message).toMatch(/truncated/);
    expect(err.message).toContain(`the file has ${good.length - 6} bytes`);
    expect(err.message).toContain(`declares at least ${good.length}`);
  });

  it('calls a cut inside the checksum truncated', () => {
    const err = errorOf(() => decodeContainer(good.subarray(0, good.length - 2)));
    expect(err.message).toBe(
      `corrupt ncomp file: truncated: the file has ${good.length - 2} bytes, but its header declares ${good.length} (with the 4-byte checksum)`,
    );
  });

  it('calls a cut inside the model name truncated, naming the field', () => {
    const err = errorOf(() => decodeContainer(good.subarray(0, 12)));
    expect(err).toBeInstanceOf(CorruptStreamError);
    expect(err.message).toMatch(/truncated.*weights digest/);
  });

  it('refuses appended bytes', () => {
    const bytes = new Uint8Array(good.length + 3);
    bytes.set(good);
    const err = errorOf(() => decodeContainer(bytes));
    expect(err).toBeInstanceOf(CorruptStreamError);
    expect(err.message).toMatch(/3 trailing bytes after the end of the container: it ends at byte \d+/);
  });

  it('refuses two files joined', () => {
    const bytes = new Uint8Array(good.length * 2);
    bytes.set(good);
    bytes.set(good, good.length);
    expect(errorOf(() => decodeContainer(bytes)).message).toMatch(/trailing bytes.*two files joined/);
  });

  it('reports a damaged payload as a checksum mismatch with both CRCs', () => {
    const bytes = good.slice();
    bytes[bytes.length - 5]! ^= 0x10;
    const err = errorOf(() => decodeContainer(bytes));
    expect(err).toBeInstanceOf(CorruptStreamError);
    expect(err.message).toMatch(/checksum mismatch: stored CRC-32 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8} over bytes 0\.\.\d+ — the file is damaged/);
  });

  it('reports damage in the header as damage, not as a strange field value', () => {
    const bytes = good.slice();
    bytes[5] = 0; // name length 0 would be invalid, but the checksum catches it first
    const err = errorOf(() => decodeContainer(bytes));
    expect(err.message).toMatch(/checksum mismatch.*first inconsistent field: model name length/);
  });

  it('every single bit flip of a small file is refused with a typed error', () => {
    for (let bit = 0; bit < good.length * 8; bit++) {
      const bytes = good.slice();
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      const err = errorOf(() => decodeContainer(bytes));
      expect(err).toBeInstanceOf(bit < 40 ? UnsupportedFormatError : CorruptStreamError);
    }
  });
});

describe('decodeContainer: invalid fields behind a valid checksum', () => {
  const body = (): number[] => [...GOLDEN_BODY, 0, 0, 0, 0];
  const at = {
    nameLength: 5,
    name: 6,
    width: 23,
    paddedWidth: 26,
    channels: 29,
    bitDepth: 30,
    quality: 31,
    extrasCount: 39,
    firstKey: 41,
    streamCount: 60,
    firstLength: 61,
  };

  function refused(edit: (b: number[]) => void, message: RegExp): void {
    const b = body();
    edit(b);
    const err = errorOf(() => decodeContainer(resealed(b)));
    expect(err).toBeInstanceOf(CorruptStreamError);
    expect(err.message).toMatch(message);
  }

  it('the test offsets match the golden layout', () => {
    const b = body();
    expect([
      b[at.nameLength],
      b[at.name],
      b[at.width],
      b[at.paddedWidth],
      b[at.channels],
      b[at.bitDepth],
      b[at.extrasCount],
      b[at.firstKey],
      b[at.streamCount],
      b[at.firstLength],
    ]).toEqual([1, 0x6d, 0xac, 0xb0, 3, 8, 2, 0x61, 2, 3]);
    expect(decodeContainer(resealed(b)).header).toEqual(header());
  });

  it('a model name that is not UTF-8', () => {
    refused((b) => (b[at.name] = 0xff), /model name at bytes 6\.\.6 is not valid UTF-8 \(ff\)/);
    refused((b) => (b[at.name] = 0xc3), /not valid UTF-8/); // a lone lead byte
  });

  it('a model name length of 0', () => {
    refused((b) => (b[at.nameLength] = 0), /model name length at byte 5: expected 1\.\.255, found 0/);
  });

  it('a non-canonical varint', () => {
    refused((b) => b.splice(at.width + 2, 1, 0x82, 0x00), /bad varint for height at byte 25: not in its shortest form/);
    refused((b) => (b[at.firstLength] = 0x83), /bad varint for stream 0 length at byte 61: not in its shortest form/);
    refused((b) => b.splice(at.width, 2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), /bad varint for width at byte 23: longer than 8 bytes/);
  });

  it('widths out of range', () => {
    refused((b) => b.splice(at.width, 2, 0x00), /width at byte 23: expected at least 1 pixel, found 0/);
    refused((b) => b.splice(at.width, 2, 0x80, 0x80, 0x80, 0x80, 0x08), /width at byte 23: expected at most 2147483647, found 2147483648/);
    refused((b) => b.splice(at.paddedWidth, 2, 0x7f), /padded width at byte 26: expected at least 300 \(the unpadded size\), found 127/);
  });

  it('channels, bit depth, quality', () => {
    refused((b) => (b[at.channels] = 5), /channel layout at byte 29: expected 1 \(gray\).*found 5/);
    refused((b) => (b[at.bitDepth] = 12), /bit depth at byte 30: expected 8 or 16, found 12/);
    refused((b) => b.splice(at.quality, 8, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f), /quality at byte 31: expected a finite number, found NaN/);
  });

  it('extras keys out of order, duplicated or not printable ASCII', () => {
    refused((b) => (b[at.firstKey] = 0x63), /extras\[1\] key "b" at byte 50: expected keys in strictly ascending order, but it follows "c"/);
    refused((b) => (b[at.firstKey] = 0x62), /strictly ascending order, but it follows "b"/);
    refused((b) => (b[at.firstKey] = 0x20), /extras\[0\] key at byte 40: expected 1\.\.64 printable ASCII bytes/);
    refused((b) => (b[at.firstKey - 1] = 0), /extras\[0\] key at byte 40/);
  });

  it('stream counts and lengths that overrun', () => {
    refused((b) => (b[at.firstLength] = 4), /stream lengths add up to 4 bytes from byte 63, but the data ends at byte 66/);
    refused((b) => b.splice(at.streamCount, 1, 0x81, 0x08), /stream count at byte 60: expected at most 1024, found 1025/);
  });

  it('bytes between the last stream and the checksum', () => {
    refused((b) => (b[at.firstLength] = 2), /1 unexpected bytes between the end of the last stream \(byte 65\) and the checksum \(byte 66\)/);
  });
});

describe('encodeContainer: invalid fields are refused before anything is written', () => {
  const cases: [string, Container, RegExp][] = [
    ['an empty model name', container({ modelName: '' }), /header\.modelName: expected 1\.\.255 bytes of UTF-8, found 0 bytes/],
    ['a 256-byte model name', container({ modelName: 'a'.repeat(256) }), /modelName: expected 1\.\.255 bytes of UTF-8, found 256 bytes/],
    ['a model name of 128 two-byte characters', container({ modelName: 'é'.repeat(128) }), /found 256 bytes/],
    ['a model name with a lone surrogate', container({ modelName: 'a\ud800b' }), /unpaired surrogate/],
    ['a non-string model name', container({ modelName: 5 as unknown as string }), /modelName: expected a string, found number 5/],
    ['a 15-byte digest', container({ weightsDigest: new Uint8Array(15) }), /weightsDigest: expected a Uint8Array of 16 bytes.*found a Uint8Array of 15 bytes/],
    ['a 32-byte digest', container({ weightsDigest: new Uint8Array(32) }), /found a Uint8Array of 32 bytes/],
    ['a digest that is a plain array', container({ weightsDigest: [...digest] as unknown as Uint8Array }), /weightsDigest.*found an array of 16/],
    ['width 0', container({ width: 0 }), /header\.width: expected an integer number of pixels in 1\.\.2147483647, found number 0/],
    ['width 2^31', container({ width: 2 ** 31, paddedWidth: 2 ** 31 }), /header\.width: .*found number 2147483648/],
    ['a fractional height', container({ height: 1.5 }), /header\.height: .*found number 1\.5/],
    ['NaN height', container({ height: Number.NaN }), /header\.height: .*found number NaN/],
    [
      'padded width < width',
      container({ paddedWidth: 299 }),
      /header\.paddedWidth: expected an integer number of pixels in 300\.\.2147483647, found number 299/,
    ],
    ['padded height < height', container({ paddedHeight: 1 }), /header\.paddedHeight: .* in 2\.\./],
    [
      'an unknown channel layout',
      container({ channels: 'cmyk' as 'rgb' }),
      /header\.channels: expected one of 'gray', 'gray-alpha', 'rgb', 'rgba', found "cmyk"/,
    ],
    ['bit depth 12', container({ bitDepth: 12 as 8 }), /header\.bitDepth: expected 8 or 16, found number 12/],
    ['NaN quality', container({ quality: Number.NaN }), /header\.quality: expected a finite number, found number NaN/],
    ['infinite quality', container({ quality: Number.POSITIVE_INFINITY }), /header\.quality: .*Infinity/],
    [
      'an empty extras key',
      container({ extras: { '': 1 } }),
      /header\.extras key: expected 1\.\.64 printable ASCII characters without spaces \(0x21\.\.0x7e\), found ""/,
    ],
    ['a 65-character extras key', container({ extras: { ['k'.repeat(65)]: 1 } }), /extras key: .*found "k{65}"/],
    ['an extras key with a space', container({ extras: { 'a b': 1 } }), /extras key: .*found "a b"/],
    ['a non-ASCII extras key', container({ extras: { höhe: 1 } }), /extras key: .*found "höhe"/],
    ['a control character in an extras key', container({ extras: { 'a\n': 1 } }), /extras key/],
    ['a NaN extras value', container({ extras: { h: Number.NaN } }), /header\.extras\["h"\]: expected a finite number, found number NaN/],
    ['a string extras value', container({ extras: { h: '3' as unknown as number } }), /extras\["h"\]: expected a finite number, found "3"/],
    [
      '256 extras',
      container({ extras: Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`k${i}`, i])) }),
      /header\.extras: expected at most 255 entries, found "256 entries"/,
    ],
    ['extras as a Map', container({ extras: new Map() as unknown as Record<string, number> }), /header\.extras: expected a plain object/],
    [
      '1025 streams',
      container(
        {},
        Array.from({ length: 1025 }, () => new Uint8Array(0)),
      ),
      /streams: expected at most 1024 streams, found "1025 streams"/,
    ],
    ['a stream that is a plain array', container({}, [[1, 2] as unknown as Uint8Array]), /streams\[0\]: expected a Uint8Array, found an array of 2/],
    [
      'streams that are not an array',
      { header: header(), streams: undefined as unknown as Uint8Array[] },
      /streams: expected an array of Uint8Array, found undefined/,
    ],
    ['no header', { header: null as unknown as ContainerHeader, streams: [] }, /header: expected an object, found null/],
  ];
  for (const [name, c, message] of cases) {
    it(`refuses ${name}`, () => {
      const err = errorOf(() => encodeContainer(c));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toMatch(message);
    });
  }

  it('accepts the limits themselves: 255-byte names, 64-character keys, 255 extras, 1024 streams', () => {
    const c = container(
      {
        modelName: 'é'.repeat(127) + 'a',
        extras: Object.fromEntries(Array.from({ length: 255 }, (_, i) => [`${'k'.repeat(60)}${String(i).padStart(4, '0')}`, i])),
      },
      Array.from({ length: 1024 }, (_, i) => new Uint8Array(i % 3)),
    );
    const back = decodeContainer(encodeContainer(c));
    expect(back.header.modelName).toBe(c.header.modelName);
    expect(Object.keys(back.header.extras)).toHaveLength(255);
    expect(back.streams).toHaveLength(1024);
  });

  it('every error is an NcompError', () => {
    expect(errorOf(() => encodeContainer(container({ width: 0 })))).toBeInstanceOf(NcompError);
  });
});
