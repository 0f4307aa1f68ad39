/**
 * Mutations of .ncomp files for fuzzing: damage a CRC catches, damage with the CRC
 * recomputed (a buggy writer or a deliberate edit), forged header fields and geometry.
 */
import { crc32 } from '../container/crc32.js';
import { decodeContainer } from '../container/decode.js';
import { encodeContainer } from '../container/encode.js';
import type { Container } from '../container/format.js';
import type { Random } from './random.js';

/** The kinds of mutation, in the order the outcome table lists them. */
export const MUTATION_KINDS = [
  'bit flip',
  'truncation',
  'insertion',
  'deletion',
  'stream bit flip + CRC',
  'stream bytes + CRC',
  'header field + CRC',
  'forged geometry + CRC',
  'stream splice + CRC',
] as const;

/** One kind of {@link MUTATION_KINDS}. */
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** Rewrites the last 4 bytes of `bytes` (in place) with the CRC-32 of everything before them. */
export function recomputeCrc(bytes: Uint8Array): Uint8Array {
  const body = bytes.length - 4;
  if (body < 0) return bytes;
  const c = crc32(bytes.subarray(0, body));
  bytes[body] = c & 0xff;
  bytes[body + 1] = (c >>> 8) & 0xff;
  bytes[body + 2] = (c >>> 16) & 0xff;
  bytes[body + 3] = c >>> 24;
  return bytes;
}

/** A size a forger might write: tiny, plausible, huge, or at the format's extremes. */
function forgedDimension(r: Random): number {
  switch (r.int(5)) {
    case 0:
      return 1 + r.int(64);
    case 1:
      return 1 + r.int(4096);
    case 2:
      return 1 + r.int(65536);
    case 3:
      return r.pick([65536, 2 ** 31 - 64, 2 ** 31 - 1, 2 ** 26, 46341, 16384, 16385]);
    default:
      return 1 + r.int(2 ** 31 - 1);
  }
}

function withHeader(c: Container, header: Partial<Container['header']>): Uint8Array {
  return encodeContainer({ header: { ...c.header, ...header }, streams: c.streams });
}

/**
 * One mutation of `original` (a valid container) of the given kind; `others` supplies
 * streams of other images for splices.
 */
export function mutate(kind: MutationKind, original: Uint8Array, others: readonly Uint8Array[], r: Random): Uint8Array {
  const n = original.length;
  switch (kind) {
    case 'bit flip': {
      const b = original.slice();
      b[r.int(n)]! ^= 1 << r.int(8);
      return b;
    }
    case 'truncation':
      return original.slice(0, r.int(n));
    case 'insertion': {
      const at = r.int(n + 1);
      const extra = Uint8Array.from({ length: 1 + r.int(8) }, () => r.int(256));
      return Uint8Array.from([...original.subarray(0, at), ...extra, ...original.subarray(at)]);
    }
    case 'deletion': {
      const at = r.int(n);
      return Uint8Array.from([...original.subarray(0, at), ...original.subarray(at + 1 + r.int(8))]);
    }
    default:
      return mutateParsed(kind, decodeContainer(original), others, r);
  }
}

function mutateParsed(kind: MutationKind, c: Container, others: readonly Uint8Array[], r: Random): Uint8Array {
  const streams = c.streams.map((s) => s.slice());
  const nonEmpty = streams.map((s, i) => [s, i] as const).filter(([s]) => s.length > 0);
  switch (kind) {
    case 'stream bit flip + CRC': {
      if (nonEmpty.length === 0) return encodeContainer(c);
      const [s] = r.pick(nonEmpty);
      s[r.int(s.length)]! ^= 1 << r.int(8);
      return encodeContainer({ header: c.header, streams });
    }
    case 'stream bytes + CRC': {
      // Truncate, extend or move the boundary between two streams; the CRC is made valid.
      const i = r.int(streams.length);
      const s = streams[i]!;
      const choice = r.int(3);
      if (choice === 0) streams[i] = s.slice(0, r.int(s.length + 1));
      else if (choice === 1) streams[i] = Uint8Array.from([...s, ...Array.from({ length: 1 + r.int(8) }, () => r.int(256))]);
      else if (streams.length > 1) {
        const all = Uint8Array.from(streams.flatMap((t) => [...t]));
        const cut = r.int(all.length + 1);
        streams.splice(0, streams.length, all.slice(0, cut), all.slice(cut), ...streams.slice(2).map(() => new Uint8Array(0)));
      }
      return encodeContainer({ header: c.header, streams });
    }
    case 'header field + CRC': {
      const field = r.int(5);
      if (field === 0) return withHeader(c, { quality: r.pick([-1, 0.5, 5, 1e9, -0, Number.MAX_VALUE, c.header.quality + 1e-9]) });
      if (field === 1) return withHeader(c, { modelName: r.pick(['x', c.header.modelName + 'x', 'bls2017']) });
      if (field === 2) {
        const d = c.header.weightsDigest.slice();
        d[r.int(d.length)]! ^= 1 << r.int(8);
        return withHeader(c, { weightsDigest: d });
      }
      if (field === 3) return withHeader(c, { channels: r.pick(['gray', 'gray-alpha', 'rgb', 'rgba'] as const), bitDepth: r.pick([8, 16] as const) });
      return encodeContainer({ header: c.header, streams: r.int(2) === 0 ? streams.slice(1) : [...streams, new Uint8Array(r.int(4))] });
    }
    case 'forged geometry + CRC': {
      const width = forgedDimension(r);
      const height = forgedDimension(r);
      const pad = (v: number, m: number): number => Math.min(2 ** 31 - 1, Math.ceil(v / m) * m);
      const m = r.pick([1, 16, 64, 64, 64]);
      return withHeader(c, { width, height, paddedWidth: pad(width, m), paddedHeight: pad(height, m) });
    }
    case 'stream splice + CRC': {
      const other = decodeContainer(r.pick(others));
      const i = r.int(Math.min(streams.length, other.streams.length));
      streams[i] = other.streams[i]!.slice();
      return encodeContainer({ header: c.header, streams });
    }
    default:
      return encodeContainer(c);
  }
}
