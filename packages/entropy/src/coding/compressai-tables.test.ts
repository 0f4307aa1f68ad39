import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CdfTables } from './cdf-tables.js';
import { rangeCoder } from './range-coder.js';
import { ransCoder } from './rans-coder.js';
import { splitmix32 } from './test-helpers.js';

const dir = fileURLToPath(new URL('../../../../../shared/data/compressai-cdfs/', import.meta.url));
const present = existsSync(dir);
if (!present) console.warn(`skipping CompressAI table tests: ${dir} is absent (it lives in ../shared/data beside the repository)`);

interface CompressAiTables {
  cdf: number[][];
  cdf_lengths: number[];
  offset: number[];
  M: number;
}

describe.skipIf(!present)('real CompressAI bmshj2018-factorized tables', () => {
  for (const quality of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`quality ${quality}: both coders round-trip and stay within 0.5 % of the information content`, () => {
      const raw = JSON.parse(readFileSync(`${dir}cdf_bmshj2018-factorized_${quality}.json`, 'utf8')) as CompressAiTables;
      const stride = raw.cdf[0]!.length;
      const tables = CdfTables.fromPadded(raw.cdf.flat(), raw.cdf_lengths, raw.offset, 16, stride);
      expect(tables.count).toBe(raw.M);
      // Values drawn from each channel's own quantized distribution, plus escapes of both signs.
      const rand = splitmix32(quality);
      const n = 50_000;
      const values = new Int32Array(n);
      const indexes = new Int32Array(n);
      let ideal = 0;
      for (let i = 0; i < n; i++) {
        const c = rand() % tables.count;
        const start = tables.starts[c]!;
        const u = rand() >>> 16;
        let s = 0;
        while (tables.cdf[start + s + 1]! <= u) s++;
        let v = s + tables.offsets[c]!;
        if (i % 997 === 0) v = (rand() | 0) >> (rand() % 31);
        values[i] = v;
        indexes[i] = c;
        ideal += tables.bitsOf(v, c);
      }
      for (const coder of [rangeCoder, ransCoder]) {
        const bytes = coder.encode(values, indexes, tables);
        expect(coder.decode(bytes, indexes, tables)).toEqual(values);
        expect(bytes.length).toBeLessThanOrEqual((ideal / 8) * 1.005 + 16);
      }
    });
  }
});
