import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 } from './sha256.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('sha256 properties', () => {
  it('agrees with node:crypto on random messages and views', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 7 }), (m, skip) => {
        const view = m.subarray(Math.min(skip, m.length));
        expect(hex(sha256(view))).toBe(createHash('sha256').update(view).digest('hex'));
      }),
    );
  });
});
