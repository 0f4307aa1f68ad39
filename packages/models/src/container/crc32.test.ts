import { InvalidArgumentError } from '@ncomp/core/errors';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(Uint8Array.from([0]))).toBe(0xd202ef8d);
  });

  it('reads only the view it is given', () => {
    const buffer = ascii('xx123456789yy');
    expect(crc32(buffer.subarray(2, 11))).toBe(0xcbf43926);
  });

  it('refuses bad arguments', () => {
    expect(() => crc32([1, 2] as unknown as Uint8Array)).toThrow(InvalidArgumentError);
    expect(() => crc32(new Uint8Array(1), -1)).toThrow(/seed in 0..4294967295/);
    expect(() => crc32(new Uint8Array(1), 2 ** 32)).toThrow(InvalidArgumentError);
    expect(() => crc32(new Uint8Array(1), 0.5)).toThrow(InvalidArgumentError);
  });
});
