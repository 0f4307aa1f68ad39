import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeVarUint, varUintLength, writeVarUint } from './varint.js';

const valueArb = fc.oneof(fc.nat({ max: 300 }), fc.nat(), fc.maxSafeNat());

describe('varint properties', () => {
  it('round trips every safe non-negative integer, in its predicted length', () => {
    fc.assert(
      fc.property(valueArb, fc.nat({ max: 4 }), (value, offset) => {
        const out = new Uint8Array(offset + 8);
        const next = writeVarUint(value, out, offset);
        expect(next - offset).toBe(varUintLength(value));
        expect(varUintLength(value)).toBe(Math.max(1, Math.ceil(Math.log2(value + 1) / 7)));
        expect(decodeVarUint(out, offset)).toEqual({ ok: true, value, next });
      }),
    );
  });

  it('every strict prefix of an encoding is truncated', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        const out = new Uint8Array(varUintLength(value));
        writeVarUint(value, out, 0);
        for (let k = 0; k < out.length; k++) {
          expect(decodeVarUint(out.subarray(0, k), 0)).toMatchObject({ ok: false, reason: 'truncated' });
        }
      }),
    );
  });

  it('decoding arbitrary bytes never throws, and whatever decodes re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 10 }), (bytes) => {
        const r = decodeVarUint(bytes, 0);
        if (r.ok) {
          const out = new Uint8Array(varUintLength(r.value));
          writeVarUint(r.value, out, 0);
          expect([...out]).toEqual([...bytes.subarray(0, r.next)]);
        }
      }),
    );
  });
});
