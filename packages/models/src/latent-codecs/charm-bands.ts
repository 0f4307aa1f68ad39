import { roundHalfEven, sliceChannels, type ExactMap } from '@ncomp/core';
import type { IncrementalDecoder, IncrementalEncoder } from '@ncomp/entropy';
import type { ExactCharmTransforms } from '@ncomp/layers';
import type { BandedConditional, ParamRows } from './conditional-codec.js';
import type { CodedPart } from './indexed-coding.js';
import type { IndexedConditional } from './indexed-conditional.js';
import { digestInts, type CheckRecorder, type CheckVerifier } from './latent-check.js';
import { DIGEST_SEED, type LatentRowSink } from './latent-rows.js';

/** What {@link charmBands} needs of a ChARM y codec. */
export interface CharmBandsSpec {
  /** The slice transforms' deterministic twins. */
  readonly transforms: ExactCharmTransforms;
  /** The shared scale-index step. */
  readonly conditional: IndexedConditional;
  /** Number of slices. */
  readonly numSlices: number;
  /** Channels per slice. */
  readonly sliceChannels: number;
  /** The channels `[start, count]` of h_s's output that slice i's mean (and LRP) transforms read. */
  readonly meanFeatures: (slice: number) => readonly [number, number];
  /** The channels `[start, count]` of h_s's output that slice i's scale transform reads. */
  readonly scaleFeatures: (slice: number) => readonly [number, number];
  /** Rows beyond its own that a row of slice i's transforms reads (`CharmTransforms.reach`). */
  readonly reach: (slice: number) => number;
  /** How many of the first slices condition later ones (the largest `supportSlices`). */
  readonly supportCount: number;
}

/** Rows `[a, b)` of an HWC array of `width` columns and `channels` channels, as a map (a view, no copy). */
function rowsOf(data: Float64Array, width: number, channels: number, a: number, b: number): ExactMap {
  return { height: b - a, width, channels, data: data.subarray(a * width * channels, b * width * channels) };
}

/** Rows `[a, b)` of `map` (a view). */
function cropRows(map: ExactMap, a: number, b: number): ExactMap {
  return rowsOf(map.data, map.width, map.channels, a, b);
}

/** A band of one slice, its window and the hyper features LRP reads once the rows after it are coded. */
interface Band {
  readonly r0: number;
  readonly r1: number;
  /** The window `[a, b)`: the band grown by the slice's reach. */
  readonly a: number;
  readonly b: number;
  readonly means: ExactMap;
}

/**
 * ChARM's y coded band by band with the stream of the whole latent: slice after slice (the
 * stream's order), each slice band after band in raster order. A band's means and scale
 * indexes come from the slice transforms' twins run on the band's rows grown by their
 * reach: the rows of h_s's output (`params`) and of the slices decoded before, which equal
 * the whole map's rows bit for bit (the twins' convolutions sum in the same order
 * wherever a window starts). LRP of a band runs once the rows of the slice it reads are
 * coded. The decoded slices are kept whole, as the stream's order demands (slice i+1 is read
 * only after all of slice i), but the transforms' activations and h_s's output exist only
 * for a window at a time. The digests are chained band by band, so the check is the whole
 * latent's.
 */
export function charmBands(spec: CharmBandsSpec): BandedConditional {
  const { transforms: t, conditional, numSlices, sliceChannels: width } = spec;

  /** The coding of slice i (encoder or decoder): `code` codes a band's part, returning the symbols. */
  const slice = async (
    i: number,
    [h, w]: readonly [number, number],
    params: ParamRows,
    bandRows: number,
    decoded: readonly Float64Array[],
    keep: boolean,
    code: (r0: number, part: CodedPart) => Int32Array,
    onRows: (r0: number, r1: number, out: Float64Array) => Promise<void>,
    digests: { indexes: number; symbols: number },
  ): Promise<Float64Array> => {
    const reach = spec.reach(i);
    const [ms, mc] = spec.meanFeatures(i);
    const [ss, sc] = spec.scaleFeatures(i);
    const quantized = new Float64Array(h * w * width);
    const lrp = keep ? t.latentResidual : undefined;
    const out = lrp ? new Float64Array(quantized.length) : quantized;
    const support = (a: number, b: number): ExactMap[] => decoded.slice(0, i).map((d) => rowsOf(d, w, width, a, b));
    const pending: Band[] = [];
    const finish = async (end: number): Promise<void> => {
      while (pending.length > 0 && pending[0]!.b <= end) {
        const { r0, r1, a, b, means } = pending.shift()!;
        if (lrp) out.set(cropRows(lrp(i, means, support(a, b), rowsOf(quantized, w, width, a, b)), r0 - a, r1 - a).data, r0 * w * width);
        await onRows(r0, r1, out);
      }
    };
    for (let r0 = 0; r0 < h; r0 += bandRows) {
      const r1 = Math.min(h, r0 + bandRows);
      const a = Math.max(0, r0 - reach);
      const b = Math.min(h, r1 + reach);
      const hyper = await params(a, b);
      const means = sliceChannels(hyper, ms, mc);
      const sup = support(a, b);
      const loc = cropRows(t.mean(i, means, sup), r0 - a, r1 - a).data;
      const raw = cropRows(t.scale(i, sliceChannels(hyper, ss, sc), sup), r0 - a, r1 - a);
      const indexes = conditional.tableIndexes(raw, 0, raw.channels);
      digests.indexes = digestInts(indexes, digests.indexes);
      const symbols = code(r0, { indexes, loc });
      digests.symbols = digestInts(symbols, digests.symbols);
      const q = r0 * w * width;
      for (let k = 0; k < symbols.length; k++) quantized[q + k] = symbols[k]! + loc[k]!;
      pending.push({ r0, r1, a, b, means });
      await finish(r1);
    }
    return out;
  };

  /** The table indexes of slice i from row `from` on (for the digest after a decoding error). */
  const restIndexes = async (
    i: number,
    [h, w]: readonly [number, number],
    params: ParamRows,
    bandRows: number,
    decoded: readonly Float64Array[],
    from: number,
    digest: number,
  ): Promise<number> => {
    const reach = spec.reach(i);
    const [ss, sc] = spec.scaleFeatures(i);
    for (let r0 = from; r0 < h; r0 += bandRows) {
      const r1 = Math.min(h, r0 + bandRows);
      const a = Math.max(0, r0 - reach);
      const b = Math.min(h, r1 + reach);
      const sup = decoded.slice(0, i).map((d) => rowsOf(d, w, width, a, b));
      const raw = cropRows(t.scale(i, sliceChannels(await params(a, b), ss, sc), sup), r0 - a, r1 - a);
      digest = digestInts(conditional.tableIndexes(raw, 0, raw.channels), digest);
    }
    return digest;
  };

  const none = (): Promise<void> => Promise.resolve();

  return {
    async encode(
      values: Float32Array,
      size: readonly [number, number],
      params: ParamRows,
      bandRows: number,
      encoder: IncrementalEncoder,
      check: CheckRecorder,
    ) {
      const m = numSlices * width;
      const w = size[1];
      const decoded: Float64Array[] = [];
      for (let i = 0; i < numSlices; i++) {
        const digests = { indexes: DIGEST_SEED, symbols: DIGEST_SEED };
        const code = (r0: number, part: CodedPart): Int32Array => {
          const symbols = new Int32Array(part.indexes.length);
          for (let k = 0; k < symbols.length; k++) {
            const p = r0 * w + Math.floor(k / width);
            const s = roundHalfEven(values[p * m + i * width + (k % width)]! - part.loc[k]!);
            symbols[k] = s;
            encoder.encode(s, part.indexes[k]!);
          }
          return symbols;
        };
        // Only the slices that condition later ones are kept (and corrected by LRP).
        const keep = i < spec.supportCount;
        const out = await slice(i, size, params, bandRows, decoded, keep, code, none, digests);
        if (keep) decoded.push(out);
        check.partDigests(digests.indexes, digests.symbols);
      }
    },

    async decode(
      size: readonly [number, number],
      params: ParamRows,
      bandRows: number,
      decoder: IncrementalDecoder,
      verifier: CheckVerifier,
      sink: LatentRowSink,
    ) {
      const m = numSlices * width;
      const w = size[1];
      const decoded: Float64Array[] = [];
      // The last slice's rows complete ŷ's: handed to the sink band by band, all slices interleaved (HWC).
      const emit = async (r0: number, r1: number, lastSlice: Float64Array): Promise<void> => {
        const rows = new Float32Array((r1 - r0) * w * m);
        const all = [...decoded, lastSlice];
        for (let p = 0; p < (r1 - r0) * w; p++) {
          const q = (r0 * w + p) * width;
          for (let j = 0; j < numSlices; j++) for (let c = 0; c < width; c++) rows[p * m + j * width + c] = all[j]![q + c]!;
        }
        await sink(r0, rows);
      };
      for (let i = 0; i < numSlices; i++) {
        const digests = { indexes: DIGEST_SEED, symbols: DIGEST_SEED };
        let at = 0;
        const code = (r0: number, part: CodedPart): Int32Array => {
          at = r0;
          const symbols = new Int32Array(part.indexes.length);
          for (let k = 0; k < symbols.length; k++) symbols[k] = decoder.decode(part.indexes[k]!);
          return symbols;
        };
        let out: Float64Array;
        try {
          out = await slice(i, size, params, bandRows, decoded, true, code, i === numSlices - 1 ? emit : none, digests);
        } catch (err) {
          // As decompress, which checks the tables before decoding: other tables (a
          // portability mismatch) are reported before what they made the decoder read.
          let rest: number;
          try {
            rest = await restIndexes(i, size, params, bandRows, decoded, at + bandRows, digests.indexes);
          } catch {
            throw err; // aborted meanwhile (the windows give the event loop turns): the first error stands
          }
          verifier.indexesDigest(i, rest);
          throw err;
        }
        verifier.indexesDigest(i, digests.indexes);
        verifier.symbolsDigest(i, digests.symbols);
        decoded.push(out);
      }
    },
  };
}
