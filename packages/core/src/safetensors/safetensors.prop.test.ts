import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptStreamError, UnsupportedFormatError } from '../errors/index.js';
import { swapBytesInPlace } from './byte-order.js';
import type { SafetensorsDtype, SafetensorsTensor } from './index.js';
import { decodeBfloat16, decodeFloat16, numElements, parseSafetensorsHeader, readSafetensors, SAFETENSORS_DTYPES, writeSafetensors } from './index.js';

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });

/** Random data of `n` elements in the typed array each dtype is written from. */
function dataArb(dtype: SafetensorsDtype, n: number): fc.Arbitrary<SafetensorsTensor['data']> {
  const len = { minLength: n, maxLength: n };
  switch (dtype) {
    case 'BOOL':
      return fc.array(fc.integer({ min: 0, max: 1 }), len).map((a) => Uint8Array.from(a));
    case 'U8':
      return fc.uint8Array(len);
    case 'I8':
      return fc.int8Array(len);
    case 'I16':
      return fc.int16Array(len);
    case 'U16':
      return fc.uint16Array(len);
    case 'F16':
      // Any float32 (rounded on write) ...
      return fc.float32Array(len);
    case 'BF16':
      return fc.float32Array(len);
    case 'I32':
      return fc.int32Array(len);
    case 'U32':
      return fc.uint32Array(len);
    case 'F32':
      return fc.float32Array(len);
    case 'F64':
      return fc.float64Array(len);
    case 'I64':
      return fc.bigInt64Array(len);
    case 'U64':
      return fc.bigUint64Array(len);
  }
}

const tensorArb: fc.Arbitrary<SafetensorsTensor> = fc
  .tuple(fc.constantFrom(...SAFETENSORS_DTYPES), shapeArb)
  .chain(([dtype, shape]) => dataArb(dtype, numElements(shape)!).map((data) => ({ dtype, shape, data }) as SafetensorsTensor));

const nameArb = fc.string({ maxLength: 12, unit: 'binary' }).filter((s) => s !== '__metadata__');

const tensorsArb = fc.uniqueArray(fc.tuple(nameArb, tensorArb), { maxLength: 6, selector: ([name]) => name });

const metadataArb = fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), {
  nil: undefined,
});

function bytes(data: ArrayBufferView): number[] {
  return [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
}

/** What reading back must give: F16/BF16 values come back rounded, everything else bit-exact. */
function expectedData(t: SafetensorsTensor): ArrayBufferView {
  if (t.dtype === 'F16') {
    const rounded = decodeFloat16(new Uint16Array(t.data.length).map((_, i) => encode16(t.data[i]!)));
    return rounded;
  }
  if (t.dtype === 'BF16') return decodeBfloat16(new Uint16Array(t.data.length).map((_, i) => encodeB16(t.data[i]!)));
  return t.data;
}

// Independent reference encoders for the round trip (bit-level float32 algorithms), so the
// property does not compare the implementation with itself.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function encode16(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const man = b & 0x7fffff;
  if (exp === 0xff) return sign | (man ? 0x7e00 : 0x7c00);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = man | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r += 1;
    return sign | r;
  }
  let r = (e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r += 1;
  return sign | r;
}
function encodeB16(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return 0x7fc0;
  const r = b >>> 16;
  const rem = b & 0xffff;
  return rem > 0x8000 || (rem === 0x8000 && r & 1) ? r + 1 : r;
}

describe('safetensors properties', () => {
  it('write -> read round-trips random tensors of every dtype', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (entries, metadata) => {
        const file = writeSafetensors(new Map(entries), metadata === undefined ? {} : { metadata });
        const back = readSafetensors(file);
        expect([...back.tensors.keys()].sort()).toEqual(entries.map(([n]) => n).sort());
        expect(back.metadata).toEqual(metadata ?? {});
        for (const [name, t] of entries) {
          const got = back.tensors.get(name)!;
          expect(got.dtype).toBe(t.dtype);
          expect(got.shape).toEqual(t.shape);
          expect(got.data.constructor).toBe(t.data.constructor);
          expect(bytes(got.data)).toEqual(bytes(expectedData(t)));
        }
        // Re-writing what was read gives the identical file.
        expect(writeSafetensors(back.tensors, { metadata: back.metadata })).toEqual(writeSafetensors(new Map(entries), { metadata: metadata ?? {} }));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every tensor aligned to its item size and the header padded to 8 bytes', () => {
    fc.assert(
      fc.property(tensorsArb, (entries) => {
        const header = parseSafetensorsHeader(writeSafetensors(new Map(entries)));
        expect(header.headerLength % 8).toBe(0);
        for (const e of header.entries) {
          const itemSize = ({ U64: 8, I64: 8, F64: 8, U32: 4, I32: 4, F32: 4 } as Record<string, number>)[e.dtype] ?? 2;
          if (e.dtype !== 'BOOL' && e.dtype !== 'U8' && e.dtype !== 'I8') expect(e.dataOffsets[0] % itemSize).toBe(0);
        }
      }),
    );
  });

  /** Reading damaged bytes must either succeed (with consistent output) or throw a typed error. */
  function expectValidOrTyped(damaged: Uint8Array): void {
    try {
      const file = readSafetensors(damaged);
      for (const t of file.tensors.values()) expect(t.data.length).toBe(numElements(t.shape));
    } catch (err) {
      if (!(err instanceof CorruptStreamError || err instanceof UnsupportedFormatError)) throw err;
      expect(err.message.length).toBeGreaterThan(10);
    }
  }

  it('random truncations yield a valid parse or a typed error, never another exception', () => {
    fc.assert(
      fc.property(tensorsArb, fc.double({ min: 0, max: 1, noNaN: true }), (entries, frac) => {
        const file = writeSafetensors(new Map(entries));
        const cut = Math.floor(frac * file.length);
        expectValidOrTyped(file.subarray(0, cut));
        // A strict prefix of a non-empty data buffer always loses declared bytes.
        if (cut < file.length) expect(() => readSafetensors(file.subarray(0, cut))).toThrow(CorruptStreamError);
      }),
      { numRuns: 300 },
    );
  });

  it('random byte flips yield a valid parse or a typed error, never another exception', () => {
    fc.assert(
      fc.property(tensorsArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (entries, flips) => {
        const file = writeSafetensors(new Map(entries));
        const damaged = file.slice();
        for (const [pos, mask] of flips) {
          const i = pos % damaged.length;
          damaged[i] = damaged[i]! ^ mask;
        }
        expectValidOrTyped(damaged);
      }),
      { numRuns: 500 },
    );
  });

  it('flips inside the header or length field are mostly detected (sanity check of the property)', () => {
    // A flipped byte in the 8-byte length field always breaks the file.
    const file = writeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) } });
    for (let i = 0; i < 8; i++) {
      const damaged = file.slice();
      damaged[i] = damaged[i]! ^ 0x01;
      expect(() => readSafetensors(damaged)).toThrow(CorruptStreamError);
    }
  });
});

describe('byte order helper', () => {
  it('reverses each element in place', () => {
    const b = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    swapBytesInPlace(b, 4);
    expect([...b]).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    swapBytesInPlace(b, 8);
    expect([...b]).toEqual([5, 6, 7, 8, 1, 2, 3, 4]);
    swapBytesInPlace(b, 2);
    expect([...b]).toEqual([6, 5, 8, 7, 2, 1, 4, 3]);
    swapBytesInPlace(b, 1);
    expect([...b]).toEqual([6, 5, 8, 7, 2, 1, 4, 3]);
  });

  it('is an involution that matches DataView big-endian reads', () => {
    fc.assert(
      fc.property(fc.float64Array({ maxLength: 8 }), (values) => {
        const b = new Uint8Array(values.buffer.slice(0));
        swapBytesInPlace(b, 8);
        const view = new DataView(b.buffer);
        values.forEach((v, i) => expect(Object.is(view.getFloat64(i * 8, false), v) || Number.isNaN(v)).toBe(true));
        swapBytesInPlace(b, 8);
        expect([...b]).toEqual([...new Uint8Array(values.buffer)]);
      }),
    );
  });
});
