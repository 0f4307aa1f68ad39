import { CorruptStreamError, NcompError, UnsupportedFormatError } from '@ncomp/core/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTAINER_MAGIC, CONTAINER_VERSION, crc32, decodeContainer, encodeContainer, type ChannelLayout, type Container } from './index.js';

const MAX = 2 ** 31 - 1;
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;
const wellFormed = (s: string): boolean => new TextDecoder().decode(new TextEncoder().encode(s)) === s;

/** Model names: ASCII, any Unicode (incl. astral and a leading BOM), 1..255 UTF-8 bytes. */
const nameArb = fc
  .oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 70 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    fc.constantFrom('bmshj2018-hyperprior', '\ufeffbom', 'é'.repeat(127) + 'a', 'x'.repeat(255)),
  )
  .filter((s) => wellFormed(s) && utf8Length(s) >= 1 && utf8Length(s) <= 255);

/** Sizes, biased towards the ends of 1 .. 2^31 - 1. */
const sizeArb = fc.oneof(fc.integer({ min: 1, max: 130 }), fc.integer({ min: 1, max: MAX }), fc.constantFrom(1, 127, 128, 16383, 16384, MAX - 1, MAX));
/** [size, padded size], padded >= size. */
const paddedArb = fc
  .tuple(sizeArb, fc.oneof(fc.constant(0), fc.nat({ max: 64 }), fc.nat({ max: MAX })))
  .map(([n, pad]) => [n, Math.min(MAX, n + pad)] as const);

const keyArb = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 64 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', '0', '10', '9', 'latentHeight', 'k'.repeat(64)),
);
const finiteArb = fc.double({ noNaN: true, noDefaultInfinity: true });
const extrasArb = fc.dictionary(keyArb, finiteArb, { maxKeys: 10 });

const streamsArb = fc.array(fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 2000 })), { maxLength: 20 });

function containerArb(streams: fc.Arbitrary<Uint8Array[]>): fc.Arbitrary<Container> {
  return fc.record({
    header: fc
      .record({
        modelName: nameArb,
        weightsDigest: fc.uint8Array({ minLength: 16, maxLength: 16 }),
        w: paddedArb,
        h: paddedArb,
        channels: fc.constantFrom<ChannelLayout>('gray', 'gray-alpha', 'rgb', 'rgba'),
        bitDepth: fc.constantFrom<8 | 16>(8, 16),
        quality: fc.oneof(finiteArb, fc.integer({ min: 0, max: 8 })),
        extras: extrasArb,
      })
      .map(({ w, h, ...rest }) => ({ ...rest, width: w[0], paddedWidth: w[1], height: h[0], paddedHeight: h[1] })),
    streams,
  });
}

const anyContainer = containerArb(streamsArb);
/** Small files, so that every prefix and every bit can be tried. */
const smallContainer = containerArb(fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 3 }));

/** Everything a container holds, in a form `toEqual` compares exactly (extras sorted, any prototype). */
function plain(c: Container): unknown {
  return {
    ...c.header,
    weightsDigest: [...c.header.weightsDigest],
    extras: Object.entries(c.header.extras).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    streams: c.streams.map((s) => [...s]),
  };
}

/** Decodes, and insists that any failure is one of ncomp's typed errors; returns the error or the container. */
function tryDecode(bytes: Uint8Array): { ok: true; value: Container } | { ok: false; error: NcompError } {
  try {
    return { ok: true, value: decodeContainer(bytes) };
  } catch (err) {
    if (!(err instanceof NcompError)) throw new Error(`expected an NcompError, got ${String(err)}`, { cause: err });
    return { ok: false, error: err };
  }
}

/** Recomputes the trailing CRC-32, so the bytes reach the field parser. */
function resealed(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  if (out.length >= 4) new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('container properties', () => {
  it('round trips random valid containers, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(anyContainer, (c) => {
        const bytes = encodeContainer(c);
        const back = decodeContainer(bytes);
        expect(plain(back)).toEqual(plain(c));
        expect(encodeContainer(back)).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('every strict prefix of a small file is refused as truncated (CorruptStreamError)', () => {
    fc.assert(
      fc.property(smallContainer, (c) => {
        const bytes = encodeContainer(c);
        for (let k = 0; k < bytes.length; k++) {
          const r = tryDecode(bytes.subarray(0, k));
          expect(r.ok).toBe(false);
          if (!r.ok) {
            expect(r.error).toBeInstanceOf(CorruptStreamError);
            expect(r.error.message).toMatch(/truncated/);
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  it('random strict prefixes of larger files are refused as truncated', () => {
    fc.assert(
      fc.property(anyContainer, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (c, cut) => {
        const bytes = encodeContainer(c);
        const r = tryDecode(bytes.subarray(0, Math.floor(cut * bytes.length)));
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error).toBeInstanceOf(CorruptStreamError);
          expect(r.error.message).toMatch(/truncated/);
        }
      }),
    );
  });

  it('every single bit flip of a small file is refused with a typed error', () => {
    fc.assert(
      fc.property(smallContainer, (c) => {
        const bytes = encodeContainer(c);
        for (let bit = 0; bit < bytes.length * 8; bit++) {
          const damaged = bytes.slice();
          damaged[bit >> 3]! ^= 1 << (bit & 7);
          const r = tryDecode(damaged);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error).toBeInstanceOf(bit < 40 ? UnsupportedFormatError : CorruptStreamError);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('a random bit flip anywhere in a larger file is refused with a typed error', () => {
    fc.assert(
      fc.property(anyContainer, fc.nat(), (c, pick) => {
        const bytes = encodeContainer(c);
        const bit = pick % (bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        const r = tryDecode(bytes);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('appended bytes are refused', () => {
    fc.assert(
      fc.property(anyContainer, fc.uint8Array({ minLength: 1, maxLength: 100 }), (c, extra) => {
        const bytes = encodeContainer(c);
        const joined = new Uint8Array(bytes.length + extra.length);
        joined.set(bytes);
        joined.set(extra, bytes.length);
        const r = tryDecode(joined);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error).toBeInstanceOf(CorruptStreamError);
          expect(r.error.message).toMatch(/trailing bytes|unexpected bytes/);
        }
      }),
    );
  });

  it('random bytes give a typed error (or, vanishingly rarely, a container)', () => {
    const preamble = [...CONTAINER_MAGIC, CONTAINER_VERSION];
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from([...preamble, ...b])),
      fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from([...preamble.slice(0, 4), ...b])),
    );
    fc.assert(
      fc.property(inputs, (bytes) => {
        tryDecode(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes behind a valid checksum: a typed error, or a container that re-encodes to the same bytes', () => {
    const preamble = [...CONTAINER_MAGIC, CONTAINER_VERSION];
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 300 }), (b) => {
        const bytes = resealed(Uint8Array.from([...preamble, ...b]));
        const r = tryDecode(bytes);
        if (r.ok) expect(encodeContainer(r.value)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('a valid file with random bytes changed and the checksum recomputed: a typed error, or a container that re-encodes to the same bytes', () => {
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 });
    let accepted = 0;
    fc.assert(
      fc.property(smallContainer, edits, (c, changes) => {
        const bytes = encodeContainer(c);
        const body = bytes.length - 4;
        for (const [pos, value] of changes) bytes[5 + (pos % (body - 5))] = value;
        const sealed = resealed(bytes);
        const r = tryDecode(sealed);
        if (r.ok) {
          accepted++;
          expect(encodeContainer(r.value)).toEqual(sealed);
        }
      }),
      { numRuns: 1000 },
    );
    // Some edits (digest, payload, quality bytes) keep the file valid: the property is not vacuous.
    expect(accepted).toBeGreaterThan(0);
  });
});
