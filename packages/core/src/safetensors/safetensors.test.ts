import { describe, expect, it } from 'vitest';
import { CorruptStreamError, InvalidArgumentError, ShapeError, UnsupportedFormatError } from '../errors/index.js';
import type { SafetensorsTensor } from './index.js';
import { parseSafetensorsHeader, readSafetensors, writeSafetensors } from './index.js';

/** Builds a file from a raw header string and data bytes (length field overridable). */
function rawFile(header: string, data: Uint8Array = new Uint8Array(0), lengthField?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function headerText(file: Uint8Array): string {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(file.subarray(8, 8 + n));
}

describe('writeSafetensors', () => {
  it('writes the exact bytes of a small file (length field, padded compact header, little-endian data)', () => {
    const file = writeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) } });
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(header.length).toBe(54);
    // 54 bytes padded with 2 spaces to 56, a multiple of 8.
    const expected = new Uint8Array(8 + 56 + 8);
    expected[0] = 56;
    expected.set(new TextEncoder().encode(`${header}  `), 8);
    // 1.0f = 0x3f800000, -2.0f = 0xc0000000, little-endian.
    expected.set([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0], 64);
    expect([...file]).toEqual([...expected]);
  });

  it('orders tensors by dtype size (reference order) then name, metadata first with sorted keys', () => {
    const file = writeSafetensors(
      {
        b: { dtype: 'U8', shape: [1], data: new Uint8Array([7]) },
        '10': { dtype: 'F32', shape: [], data: new Float32Array([3]) },
        a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) },
        big: { dtype: 'I64', shape: [1], data: new BigInt64Array([5n]) },
        h: { dtype: 'F16', shape: [1], data: new Float32Array([0.5]) },
      },
      { metadata: { z: '1', a: '2' } },
    );
    const text = headerText(file);
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"a":"2","z":"1"},' +
        '"big":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
        '"10":{"dtype":"F32","shape":[],"data_offsets":[8,12]},' +
        '"a":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},' +
        '"h":{"dtype":"F16","shape":[1],"data_offsets":[16,18]},' +
        '"b":{"dtype":"U8","shape":[1],"data_offsets":[18,19]}}',
    );
    expect(text.length % 8).toBe(0);
    // Each tensor starts at a multiple of its item size (data start is 8-aligned).
    const header = parseSafetensorsHeader(file);
    expect(header.dataStart % 8).toBe(0);
    const back = readSafetensors(file);
    expect(back.metadata).toEqual({ a: '2', z: '1' });
    expect(back.tensors.get('h')).toEqual({ dtype: 'F16', shape: [1], data: new Float32Array([0.5]) });
    expect(back.tensors.get('big')).toEqual({ dtype: 'I64', shape: [1], data: new BigInt64Array([5n]) });
  });

  it('is deterministic regardless of insertion order', () => {
    const x: SafetensorsTensor = { dtype: 'I32', shape: [2], data: new Int32Array([1, 2]) };
    const y: SafetensorsTensor = { dtype: 'I32', shape: [1], data: new Int32Array([3]) };
    expect(
      writeSafetensors(
        new Map([
          ['x', x],
          ['y', y],
        ]),
      ),
    ).toEqual(writeSafetensors({ y, x }));
  });

  it('writes an empty file as a padded "{}" header', () => {
    const file = writeSafetensors({});
    expect(headerText(file)).toBe('{}      ');
    expect(readSafetensors(file).tensors.size).toBe(0);
  });

  it('refuses invalid input with typed errors', () => {
    const f = new Float32Array(2);
    expect(() => writeSafetensors({ t: { dtype: 'F32', shape: [3], data: f } })).toThrow(ShapeError);
    expect(() => writeSafetensors({ t: { dtype: 'F32', shape: [3], data: f } })).toThrow(/\[3\] has 3 elements.*holds 2/);
    expect(() => writeSafetensors({ t: { dtype: 'I32', shape: [2], data: f } as unknown as SafetensorsTensor })).toThrow(
      /must be a Int32Array; found Float32Array/,
    );
    expect(() => writeSafetensors({ t: { dtype: 'F8_E4M3', shape: [2], data: f } as unknown as SafetensorsTensor })).toThrow(InvalidArgumentError);
    expect(() => writeSafetensors({ t: { dtype: 'F32', shape: [2.5], data: f } })).toThrow(InvalidArgumentError);
    expect(() => writeSafetensors({ t: { dtype: 'F32', shape: [-2], data: f } })).toThrow(InvalidArgumentError);
    expect(() => writeSafetensors({ t: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 2]) } })).toThrow(/0 or 1; found 2 at element 1/);
    expect(() => writeSafetensors({ __metadata__: { dtype: 'F32', shape: [2], data: f } })).toThrow(/reserved/);
    expect(() => writeSafetensors({}, { metadata: { k: 3 } as unknown as Record<string, string> })).toThrow(
      /metadata value "k" must be a string, found number/,
    );
  });

  it('writes data from typed-array views with a byte offset correctly', () => {
    const backing = new Int16Array([9, 8, 7, 6]);
    const view = backing.subarray(1, 3);
    const back = readSafetensors(writeSafetensors({ v: { dtype: 'I16', shape: [2], data: view } }));
    expect(back.tensors.get('v')?.data).toEqual(new Int16Array([8, 7]));
  });
});

describe('readSafetensors', () => {
  const goodHeader = '{"t":{"dtype":"I16","shape":[2],"data_offsets":[0,4]}}';
  const fourBytes = new Uint8Array([1, 0, 0xff, 0xff]);

  it('decodes a hand-made file (unpadded header, little-endian I16)', () => {
    const back = readSafetensors(rawFile(goodHeader, fourBytes));
    expect(back.tensors.get('t')).toEqual({ dtype: 'I16', shape: [2], data: new Int16Array([1, -1]) });
    expect(back.metadata).toEqual({});
  });

  it('returns copies that do not alias the input', () => {
    const file = rawFile(goodHeader, fourBytes);
    const t = readSafetensors(file).tensors.get('t')!;
    file.fill(0, file.length - 4);
    expect(t.data).toEqual(new Int16Array([1, -1]));
  });

  it('accepts zero-sized tensors anywhere in the buffer and a name like "__proto__"', () => {
    const header =
      '{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[2,2]},"__proto__":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},' +
      '"s":{"dtype":"U8","shape":[],"data_offsets":[2,3]}}';
    const back = readSafetensors(rawFile(header, new Uint8Array([4, 5, 6])));
    expect(back.tensors.get('e')).toEqual({ dtype: 'F32', shape: [0, 3], data: new Float32Array(0) });
    expect(back.tensors.get('__proto__')?.data).toEqual(new Uint8Array([4, 5]));
    expect(back.tensors.get('s')).toEqual({ dtype: 'U8', shape: [], data: new Uint8Array([6]) });
    expect(Object.getPrototypeOf(back.metadata)).toBe(Object.prototype);
  });

  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['fewer than 8 bytes', new Uint8Array([1, 0, 0]), /expected at least 8 bytes .* found 3/],
    ['a header length beyond the file', rawFile(goodHeader, fourBytes, 1000n), /says 1000 bytes, but only 58 bytes follow/],
    ['a huge header length', rawFile(goodHeader, fourBytes, 2n ** 63n), /says 9223372036854775808 bytes/],
    ['a non-JSON header', rawFile('{"t": nope}'), /not valid JSON/],
    ['invalid UTF-8', rawFile('{"t"}', new Uint8Array(0)).map((b, i) => (i === 9 ? 0xff : b)), /not valid UTF-8/],
    ['a header that is not an object', rawFile('[1,2]'), /starting with "\{", found "\[1,2\]"/],
    ['a tensor entry that is not an object', rawFile('{"t":5}'), /tensor "t": expected an object .* found number 5/],
    ['a missing dtype', rawFile('{"t":{"shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)), /missing field "dtype"/],
    ['a missing shape', rawFile('{"t":{"dtype":"U8","data_offsets":[0,1]}}', new Uint8Array(1)), /missing field "shape"/],
    ['missing offsets', rawFile('{"t":{"dtype":"U8","shape":[1]}}', new Uint8Array(1)), /missing field "data_offsets"/],
    [
      'a non-integer shape',
      rawFile('{"t":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}', new Uint8Array(1)),
      /"shape" to be an array of non-negative integers, found array \[1.5\]/,
    ],
    ['a negative dimension', rawFile('{"t":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}', new Uint8Array(1)), /non-negative integers, found array \[-1\]/],
    ['offsets that are not a pair', rawFile('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0]}}', new Uint8Array(1)), /"data_offsets" to be \[begin, end\]/],
    ['end before begin', rawFile('{"t":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}', new Uint8Array(1)), /end before begin/],
    [
      'a byte length that is not numel x itemsize',
      rawFile('{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', new Uint8Array(4)),
      /shape \[2\] of F32 needs 8 bytes \(2 x 4\), found data_offsets \[0, 4\] spanning 4 bytes/,
    ],
    [
      'overlapping tensors',
      rawFile('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', new Uint8Array(3)),
      /tensor "b" data_offsets \[1, 3\] overlaps tensor "a": expected it to begin at byte 2/,
    ],
    [
      'a gap between tensors',
      rawFile('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}', new Uint8Array(3)),
      /leaves a gap of 1 bytes after tensor "a"/,
    ],
    [
      'data beyond the end of the file',
      rawFile('{"t":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', new Uint8Array(3)),
      /needs 4 bytes, but the file holds only 3 bytes/,
    ],
    [
      'trailing bytes not covered by any tensor',
      rawFile('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(3)),
      /covers 1 bytes, but the file holds 3 bytes .*2 unaccounted/,
    ],
    ['metadata that is not a string map', rawFile('{"__metadata__":{"k":1}}'), /"__metadata__" value "k" to be a string, found number 1/],
    [
      'a BOOL byte other than 0 or 1',
      rawFile('{"t":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}', new Uint8Array([1, 7])),
      /BOOL, so every byte must be 0 or 1; found 7 at element 1/,
    ],
    [
      'a shape whose element count overflows',
      rawFile(`{"t":{"dtype":"U8","shape":[${2 ** 30},${2 ** 30},${2 ** 30}],"data_offsets":[0,1]}}`, new Uint8Array(1)),
      /needs more than 2\^53 bytes/,
    ],
  ];

  for (const [what, bytes, message] of cases) {
    it(`refuses ${what} with a CorruptStreamError`, () => {
      expect(() => readSafetensors(bytes)).toThrow(CorruptStreamError);
      expect(() => readSafetensors(bytes)).toThrow(message);
    });
  }

  it('refuses an unknown dtype with an UnsupportedFormatError', () => {
    const file = rawFile('{"t":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1));
    expect(() => readSafetensors(file)).toThrow(UnsupportedFormatError);
    expect(() => readSafetensors(file)).toThrow(/dtype "F8_E4M3"; supported dtypes are BOOL, U8/);
  });

  it('ignores unknown extra fields in an entry, as the reference reader does', () => {
    const file = rawFile('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":true}}', new Uint8Array([3]));
    expect(readSafetensors(file).tensors.get('t')?.data).toEqual(new Uint8Array([3]));
  });

  it('reads headers padded with trailing spaces', () => {
    const file = rawFile('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}      ', new Uint8Array([3]));
    expect(readSafetensors(file).tensors.get('t')?.data).toEqual(new Uint8Array([3]));
  });

  it('decodes every dtype from known little-endian bytes', () => {
    const entries: Array<[string, string, number[], number[]]> = [
      ['BOOL', '[2]', [1, 0], []],
      ['U8', '[1]', [200], []],
      ['I8', '[1]', [200], []],
      ['I16', '[1]', [0x00, 0x80], []],
      ['U16', '[1]', [0x00, 0x80], []],
      ['F16', '[1]', [0x00, 0x3c], []],
      ['BF16', '[1]', [0x80, 0x3f], []],
      ['I32', '[1]', [0xff, 0xff, 0xff, 0xff], []],
      ['U32', '[1]', [0xff, 0xff, 0xff, 0xff], []],
      ['F32', '[1]', [0x00, 0x00, 0x20, 0x40], []],
      ['F64', '[1]', [0, 0, 0, 0, 0, 0, 0xf0, 0xbf], []],
      ['I64', '[1]', [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], []],
      ['U64', '[1]', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], []],
    ];
    let offset = 0;
    const parts: string[] = [];
    const data: number[] = [];
    for (const [dtype, shape, bytes] of entries) {
      parts.push(`"${dtype}":{"dtype":"${dtype}","shape":${shape},"data_offsets":[${offset},${offset + bytes.length}]}`);
      offset += bytes.length;
      data.push(...bytes);
    }
    const t = readSafetensors(rawFile(`{${parts.join(',')}}`, new Uint8Array(data))).tensors;
    expect(t.get('BOOL')?.data).toEqual(new Uint8Array([1, 0]));
    expect(t.get('U8')?.data).toEqual(new Uint8Array([200]));
    expect(t.get('I8')?.data).toEqual(new Int8Array([-56]));
    expect(t.get('I16')?.data).toEqual(new Int16Array([-32768]));
    expect(t.get('U16')?.data).toEqual(new Uint16Array([32768]));
    expect(t.get('F16')?.data).toEqual(new Float32Array([1]));
    expect(t.get('BF16')?.data).toEqual(new Float32Array([1]));
    expect(t.get('I32')?.data).toEqual(new Int32Array([-1]));
    expect(t.get('U32')?.data).toEqual(new Uint32Array([4294967295]));
    expect(t.get('F32')?.data).toEqual(new Float32Array([2.5]));
    expect(t.get('F64')?.data).toEqual(new Float64Array([-1]));
    expect(t.get('I64')?.data).toEqual(new BigInt64Array([-2n]));
    expect(t.get('U64')?.data).toEqual(new BigUint64Array([2n ** 64n - 1n]));
  });
});
