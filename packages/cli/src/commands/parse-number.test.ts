import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from './parse-number.js';

describe('parseDecimal', () => {
  it('reads decimal notation', () => {
    expect(parseDecimal('2')).toBe(2);
    expect(parseDecimal('-0.5')).toBe(-0.5);
    expect(parseDecimal('.25')).toBe(0.25);
    expect(parseDecimal('3.')).toBe(3);
    expect(parseDecimal('1e-3')).toBe(0.001);
    expect(parseDecimal('+4')).toBe(4);
  });

  it('refuses what Number() would quietly accept', () => {
    for (const bad of ['', ' ', ' 2', '2 ', '0x2', '0b1', '0o7', 'Infinity', '-Infinity', 'NaN', '1_0', '2abc', '.', 'e5', '1e999']) {
      expect(parseDecimal(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('round-trips every finite double written by String()', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const back = parseDecimal(String(x));
        expect(Object.is(back, x) || (x === 0 && back === 0)).toBe(true);
      }),
    );
  });
});
