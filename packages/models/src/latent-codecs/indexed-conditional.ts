import { InvalidArgumentError, type ExactMap } from '@ncomp/core';
import type { IncrementalDecoder, IncrementalEncoder, LocationScaleIndexedEntropyModel } from '@ncomp/entropy';
import * as tf from '@tensorflow/tfjs-core';
import type { LatentForward } from './latent-codec.js';
import { boundScaleIndexes, scaleTable, type ScaleTableOptions } from './scale-table.js';
import { minBitsAnyTable } from './stream-bounds.js';

/** 2^52: adding and subtracting it rounds a double in [0, 2^52) to an integer, half to even. */
const TWO_52 = 2 ** 52;

/** Options of {@link IndexedConditional}: the scale table and the offset added to raw indexes. */
export interface IndexedConditionalOptions extends ScaleTableOptions {
  /** Added to every raw scale index before bounding; default 0 (TFC). */
  readonly indexOffset?: number;
}

/**
 * The entropy-parameter step every conditional y codec shares (CompressAI's
 * `GaussianConditional` with TFC's scale table): raw scale indexes become bounded indexes
 * (training, on the backend, with TFC's `lower_bound` gradient) or table numbers (coding,
 * float64, the same on every backend), and y is coded under the location-scale tables they
 * pick. The two paths add the same terms in the same order, so that coding picks the tables
 * training saw. The entropy model stays registered by the owning codec (`conditional`).
 *
 * @example
 * The two paths of one raw index: bounded on the backend, a table number in float64.
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { exactMap, setBackend } from '@ncomp/core';
 * import { IndexedConditional } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const conditional = new IndexedConditional({ coder: 'rans', indexOffset: 2 });
 * const raw = tf.tensor4d([-5, 10.5, 70], [1, 1, 3, 1]);
 * assert.deepEqual(await conditional.indexes(raw).data(), new Float32Array([0, 12.5, 63]));
 * const map = exactMap(1, 3, 1, new Float64Array([-5, 10.5, 70]));
 * assert.deepEqual(conditional.tableIndexes(map, 0, 1), new Int32Array([0, 12, 63])); // half to even
 * raw.dispose();
 * conditional.model.dispose();
 * ```
 */
export class IndexedConditional {
  /** The entropy model of y's symbols. */
  readonly model: LocationScaleIndexedEntropyModel;
  /** Number of scales of the table. */
  readonly numScales: number;
  /** log(scaleMin): the log scale of index 0. */
  readonly logScaleMin: number;
  /** The log-scale step between neighbouring indexes. */
  readonly logScaleStep: number;
  /** Added to every raw index (see {@link IndexedConditionalOptions.indexOffset}). */
  readonly indexOffset: number;

  /**
   * @param options - See {@link IndexedConditionalOptions}.
   * @throws InvalidArgumentError for a bad table or a non-finite offset.
   */
  constructor(options: IndexedConditionalOptions) {
    this.indexOffset = options.indexOffset ?? 0;
    if (!Number.isFinite(this.indexOffset)) throw new InvalidArgumentError(`indexOffset must be finite, found ${this.indexOffset}`);
    const table = scaleTable(options);
    this.model = table.model;
    this.numScales = table.numScales;
    this.logScaleMin = table.logScaleMin;
    this.logScaleStep = table.logScaleStep;
  }

  /**
   * Training path: `((raw + indexOffset) + shifts[0]) + shifts[1] ...` bounded to
   * [0, numScales - 1] with TFC's `lower_bound` gradient.
   * @param shifts - Further terms (per-channel offsets, a gain's log / step), added in order.
   */
  indexes(raw: tf.Tensor, ...shifts: tf.Tensor[]): tf.Tensor4D {
    let v = this.indexOffset === 0 ? raw : tf.add(raw, this.indexOffset);
    for (const s of shifts) v = tf.add(v, s);
    return boundScaleIndexes(v, this.numScales);
  }

  /**
   * Coding path: the table of each element of channels `from .. from + count - 1` of `raw`
   * (HWC), `((raw + indexOffset) + shifts[0][c]) + ...`, clipped and rounded half to even
   * as TFC's `round(clip(i))`; HWC with `count` channels.
   * @param shifts - Per-channel terms ([count] each), added in order as in {@link IndexedConditional.indexes}.
   */
  tableIndexes(raw: ExactMap, from: number, count: number, ...shifts: Float64Array[]): Int32Array {
    const pixels = raw.height * raw.width;
    const out = new Int32Array(pixels * count);
    const d = raw.data;
    const stride = raw.channels;
    const top = this.numScales - 1;
    const offset = this.indexOffset;
    // Up to two shifts in the hot loop; an absent one is + 0, an exact no-op.
    const zeros = shifts.length < 2 ? new Float64Array(count) : undefined;
    const [a, b] = [shifts[0] ?? zeros!, shifts[1] ?? zeros!];
    const rest = shifts.slice(2);
    for (let p = 0; p < pixels; p++) {
      const o = p * stride + from;
      const q = p * count;
      for (let c = 0; c < count; c++) {
        let v = d[o + c]! + offset + a[c]! + b[c]!;
        for (const s of rest) v += s[c]!;
        v = v < 0 ? 0 : v > top ? top : v;
        // Half to even: v is in [0, top], far below 2^52, where doubles are spaced 1 apart, so
        // IEEE's round-to-nearest-even makes (v + 2^52) - 2^52 exactly roundHalfEven(v) (a NaN
        // stays NaN and is stored as 0, as before); cheaper than a call and a tie test.
        out[q + c] = v + TWO_52 - TWO_52;
      }
    }
    return out;
  }

  /**
   * Training / evaluation of one part of y under N(loc, scale(indexes)) * U(-1/2, 1/2):
   * `bits` is the noisy bound (training) or the information content; `yHat` is the noisy
   * (training) or rounded latent, or with `rounded` the rounded one with a straight-through
   * gradient in training too.
   */
  forward(y: tf.Tensor, indexes: tf.Tensor, loc: tf.Tensor | undefined, training: boolean, rounded = false): LatentForward {
    const { values, bits } = this.model.callWithLoc(y, indexes, loc, training);
    const yHat = training && rounded ? this.model.quantizeWithLoc(y, indexes, loc) : values;
    return { yHat: yHat as tf.Tensor4D, bits: bits as tf.Tensor1D };
  }

  /** round(y - loc) + loc with a straight-through gradient. */
  quantize(y: tf.Tensor, indexes: tf.Tensor, loc?: tf.Tensor): tf.Tensor4D {
    return this.model.quantizeWithLoc(y, indexes, loc) as tf.Tensor4D;
  }

  /** A new incremental encoder of y's symbols. */
  createEncoder(): IncrementalEncoder {
    return this.model.createEncoder();
  }

  /** A new incremental decoder of y's symbols. */
  createDecoder(bytes: Uint8Array): IncrementalDecoder {
    return this.model.createDecoder(bytes);
  }

  /** A lower bound, in bits, of `count` symbols under the cheapest table. */
  minBits(count: number): number {
    return minBitsAnyTable(this.model, count);
  }
}
