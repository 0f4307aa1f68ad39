/**
 * The constant index and mask tables of Swin's window attention (Liu et al. 2021),
 * computed in JavaScript (no tensors): the relative-position index of a window and the
 * additive attention mask of shifted and padded windows.
 */
import { InvalidArgumentError } from '@ncomp/core';
import { checkInteger } from '../internal/checks.js';
import { roundUpToMultiple } from './windows.js';

/** What Swin adds to the logits of pairs that must not attend to each other (the reference's -100). */
export const SWIN_MASK_VALUE = -100;

const indexCache = new Map<number, Int32Array>();
/** Recently built masks by size, window and shift (least recently used first). */
const maskCache = new Map<string, Float32Array | undefined>();
const MASK_CACHE_SIZE = 16;

/**
 * Swin's relative-position index for a window of `window` x `window` tokens (row-major):
 * entry [i · window² + j] is the row of the relative-position bias table for query token i
 * and key token j,
 *
 *     (r_i - r_j + window - 1) · (2 window - 1) + (c_i - c_j + window - 1)
 *
 * (r, c the row and column of a token in its window), in [0, (2 window - 1)²). The same
 * table as the reference's `get_relative_position_index` for square windows. Cached per
 * window size; do not modify the returned array.
 * @param window - The window size.
 * @returns Int32Array of window⁴ indexes.
 */
export function relativePositionIndex(window: number): Int32Array {
  checkInteger('relativePositionIndex', 'window', window);
  const cached = indexCache.get(window);
  if (cached) return cached;
  const n = window * window;
  const span = 2 * window - 1;
  const out = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = Math.floor(i / window);
    const ci = i % window;
    for (let j = 0; j < n; j++) {
      const rj = Math.floor(j / window);
      const cj = j % window;
      out[i * n + j] = (ri - rj + window - 1) * span + (ci - cj + window - 1);
    }
  }
  indexCache.set(window, out);
  return out;
}

/**
 * The additive attention mask [windows, window², window²] (values 0 or
 * {@link SWIN_MASK_VALUE}) of a window-attention layer on a `height` x `width` map that is
 * zero-padded at the bottom and right to whole windows (Hp x Wp), cyclically shifted by
 * (-shift, -shift) and split into windows, or undefined when no pair needs masking (no
 * shift and no padding). Windows and tokens are in {@link windowPartition} order of the
 * shifted, padded map.
 *
 * Query token q and key token k of one window are masked apart when
 * - **shifted windows (SW-MSA)**: they lie on different sides of a wrap-around of the
 *   cyclic shift, along rows or along columns, i.e. they were not neighbours before the
 *   shift. Along rows, position p of the shifted map is "wrapped" when p >= Hp - shift (it
 *   came from the top `shift` rows). This is the reference's 9-region mask (regions
 *   [0, Hp - window), [Hp - window, Hp - shift), [Hp - shift, Hp) per axis): its first two
 *   regions never share a window, since Hp - window is a window boundary;
 * - **padding**: the key is a padding token (its unshifted position lies outside the
 *   `height` x `width` map). No real token ever attends to padding, so the output on the
 *   real map does not depend on how much padding there is. (Padding queries attend only to
 *   other padding and are cropped away by the caller.)
 *
 * The last 16 masks are cached (the blocks of a stage share them); do not modify the
 * returned array.
 *
 * @param height - Rows of the map before padding.
 * @param width - Columns of the map before padding.
 * @param window - Window size.
 * @param shift - Cyclic shift, 0 <= shift < window.
 * @returns The mask as a Float32Array of (Hp / window) (Wp / window) window⁴ entries, or
 *   undefined.
 * @throws InvalidArgumentError for bad sizes or a shift outside [0, window).
 */
export function windowAttentionMask(height: number, width: number, window: number, shift: number): Float32Array | undefined {
  const fn = 'windowAttentionMask';
  checkInteger(fn, 'height', height);
  checkInteger(fn, 'width', width);
  checkInteger(fn, 'window', window);
  if (!Number.isInteger(shift) || shift < 0 || shift >= window) {
    throw new InvalidArgumentError(`${fn}: shift must be an integer in [0, ${window - 1}] (below the window), found ${String(shift)}`);
  }
  const key = `${height}x${width}/${window}/${shift}`;
  if (maskCache.has(key)) {
    const hit = maskCache.get(key);
    maskCache.delete(key);
    maskCache.set(key, hit);
    return hit;
  }
  const mask = buildMask(height, width, window, shift);
  maskCache.set(key, mask);
  if (maskCache.size > MASK_CACHE_SIZE) maskCache.delete(maskCache.keys().next().value!);
  return mask;
}

function buildMask(height: number, width: number, window: number, shift: number): Float32Array | undefined {
  const hp = roundUpToMultiple(height, window);
  const wp = roundUpToMultiple(width, window);
  if (shift === 0 && hp === height && wp === width) return undefined;
  // Per axis and shifted position: wrap side (0 / 1) and whether the token is real.
  const axis = (size: number, padded: number): { side: Uint8Array; real: Uint8Array } => {
    const side = new Uint8Array(padded);
    const real = new Uint8Array(padded);
    for (let p = 0; p < padded; p++) {
      side[p] = shift > 0 && p >= padded - shift ? 1 : 0;
      real[p] = (p + shift) % padded < size ? 1 : 0;
    }
    return { side, real };
  };
  const rows = axis(height, hp);
  const cols = axis(width, wp);
  const n = window * window;
  const windowsPerRow = wp / window;
  const count = (hp / window) * windowsPerRow;
  const mask = new Float32Array(count * n * n);
  const side = new Uint8Array(n);
  const real = new Uint8Array(n);
  for (let win = 0; win < count; win++) {
    const r0 = Math.floor(win / windowsPerRow) * window;
    const c0 = (win % windowsPerRow) * window;
    for (let t = 0; t < n; t++) {
      const r = r0 + Math.floor(t / window);
      const c = c0 + (t % window);
      side[t] = rows.side[r]! * 2 + cols.side[c]!;
      real[t] = rows.real[r]! & cols.real[c]!;
    }
    const base = win * n * n;
    for (let q = 0; q < n; q++) {
      for (let k = 0; k < n; k++) {
        if (side[q] !== side[k] || real[k] === 0) mask[base + q * n + k] = SWIN_MASK_VALUE;
      }
    }
  }
  return mask;
}
