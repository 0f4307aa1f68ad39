import { InvalidArgumentError } from '@ncomp/core/errors';
import { describe, expect, it } from 'vitest';
import { decodeVarUint, varUintLength, writeVarUint } from './varint.js';

function encode(value: number): number[] {
  const out = new Uint8Array(varUintLength(value));
  expect(writeVarUint(value, out, 0)).toBe(out.length);
  return [...out];
}

describe('varint (unsigned LEB128)', () => {
  it('encodes known values', () => {
    expect(encode(0)).toEqual([0x00]);
    expect(encode(1)).toEqual([0x01]);
    expect(encode(127)).toEqual([0x7f]);
    expect(encode(128)).toEqual([0x80, 0x01]);
    expect(encode(300)).toEqual([0xac, 0x02]);
    expect(encode(16383)).toEqual([0xff, 0x7f]);
    expect(encode(16384)).toEqual([0x80, 0x80, 0x01]);
    expect(encode(2 ** 31 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x07]);
    expect(encode(2 ** 32)).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
    expect(encode(Number.MAX_SAFE_INTEGER)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('decodes what it encodes, at an offset', () => {
    const bytes = Uint8Array.from([0x99, 0xac, 0x02, 0x05]);
    expect(decodeVarUint(bytes, 1)).toEqual({ ok: true, value: 300, next: 3 });
    expect(decodeVarUint(bytes, 3)).toEqual({ ok: true, value: 5, next: 4 });
  });

  it('reports truncation, overlong and non-canonical encodings', () => {
    expect(decodeVarUint(Uint8Array.from([0x80, 0x80]), 0)).toEqual({ ok: false, reason: 'truncated', offset: 0 });
    expect(decodeVarUint(new Uint8Array(0), 0)).toEqual({ ok: false, reason: 'truncated', offset: 0 });
    expect(decodeVarUint(Uint8Array.from([0x81, 0x00]), 0)).toEqual({ ok: false, reason: 'non-canonical', offset: 0 });
    expect(decodeVarUint(Uint8Array.from([0x80, 0x80, 0x00]), 0)).toEqual({ ok: false, reason: 'non-canonical', offset: 0 });
    expect(decodeVarUint(new Uint8Array(9).fill(0x80), 0)).toEqual({ ok: false, reason: 'too-long', offset: 0 });
    // 2^53: eight bytes, but above Number.MAX_SAFE_INTEGER.
    expect(decodeVarUint(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]), 0)).toEqual({ ok: false, reason: 'too-long', offset: 0 });
  });

  it('refuses values it cannot encode and buffers that are too short', () => {
    expect(() => varUintLength(-1)).toThrow(InvalidArgumentError);
    expect(() => varUintLength(1.5)).toThrow(InvalidArgumentError);
    expect(() => varUintLength(2 ** 53)).toThrow(InvalidArgumentError);
    expect(() => writeVarUint(300, new Uint8Array(1), 0)).toThrow(/room for 2 bytes/);
  });
});
