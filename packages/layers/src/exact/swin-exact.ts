import { exactErf, exactExp, mapValues, readExact, sliceChannels, type ExactFn, type ExactMap } from '@ncomp/core';
import { relativePositionIndex, windowAttentionMask } from '../swin/attention-mask.js';
import type { LayerNorm } from '../swin/layer-norm.js';
import type { WindowAttention } from '../swin/window-attention.js';

/** Deterministic twin of the exact (erf) GELU, `0.5 x (1 + erf(x / √2))`. */
export const exactGelu: ExactFn = (m) => mapValues(m, (v) => 0.5 * v * (1 + exactErf(v * Math.SQRT1_2)));

/** Deterministic twin of a {@link LayerNorm} over channels (mean, then the mean squared deviation, as `tf.moments`). */
export async function exactLayerNorm(norm: LayerNorm): Promise<ExactFn> {
  const gamma = await readExact(norm.gamma);
  const beta = await readExact(norm.beta);
  const eps = norm.epsilon;
  return (x) => {
    const C = x.channels;
    const out = new Float64Array(x.data.length);
    for (let p = 0; p < x.height * x.width; p++) {
      const o = p * C;
      let sum = 0;
      for (let c = 0; c < C; c++) sum += x.data[o + c]!;
      const mean = sum / C;
      let sq = 0;
      for (let c = 0; c < C; c++) {
        const d = x.data[o + c]! - mean;
        sq += d * d;
      }
      const r = 1 / Math.sqrt(sq / C + eps);
      for (let c = 0; c < C; c++) out[o + c] = (x.data[o + c]! - mean) * r * gamma[c]! + beta[c]!;
    }
    return { ...x, data: out };
  };
}

/** Deterministic twin of `depthToSpace(x, 2)` (channel block (i, j) of a pixel goes to sub-pixel row i, column j). */
export function exactDepthToSpace(x: ExactMap, r: number): ExactMap {
  const depth = x.channels / (r * r);
  const H = x.height * r;
  const W = x.width * r;
  const out = new Float64Array(x.data.length);
  for (let y = 0; y < x.height; y++) {
    for (let xx = 0; xx < x.width; xx++) {
      const src = (y * x.width + xx) * x.channels;
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < r; j++) {
          const dst = ((y * r + i) * W + xx * r + j) * depth;
          out.set(x.data.subarray(src + (i * r + j) * depth, src + (i * r + j + 1) * depth), dst);
        }
      }
    }
  }
  return { height: H, width: W, channels: depth, data: out };
}

/**
 * Visits every pixel of an `H` x `W` map with the token it becomes in shifted-window
 * attention (zero-padded to whole `win` x `win` windows, rolled by `-shift`, partitioned in
 * row-major window order, tokens row-major within a window): what `windowPartition(roll2d(
 * padToMultiple(x)))` and its inverse move. Padding tokens are not visited.
 */
function forEachWindowToken(H: number, W: number, win: number, shift: number, visit: (pixel: number, token: number) => void): void {
  const hp = Math.ceil(H / win) * win;
  const wp = Math.ceil(W / win) * win;
  const cols = wp / win;
  const n = win * win;
  for (let r = 0; r < hp; r++) {
    const sr = (r + shift) % hp;
    if (sr >= H) continue;
    for (let c = 0; c < wp; c++) {
      const sc = (c + shift) % wp;
      if (sc >= W) continue;
      visit(sr * W + sc, (Math.floor(r / win) * cols + Math.floor(c / win)) * n + (r % win) * win + (c % win));
    }
  }
}

/**
 * Deterministic twin of shifted-window attention on a whole map, as {@link SwinBlock}
 * applies it to its normalized input: zero-pad to whole windows, roll by `-shift`, attend
 * within each window (relative position bias, the shift / padding mask, softmax with a
 * deterministic exp), roll back, crop.
 */
export async function exactWindowAttention(attn: WindowAttention, shift: number): Promise<ExactFn> {
  const qkv = await attn.qkv.exact();
  const proj = await attn.proj.exact();
  const table = await readExact(attn.relativePositionBiasTable);
  const win = attn.windowSize;
  const n = win * win;
  const heads = attn.numHeads;
  const d = attn.headDim;
  const inner = heads * d;
  const index = relativePositionIndex(win);
  const bias = new Float64Array(heads * n * n);
  for (let h = 0; h < heads; h++) for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) bias[(h * n + q) * n + k] = table[index[q * n + k]! * heads + h]!;
  const scale = 1 / Math.sqrt(d);
  return (x) => {
    const { height: H, width: W, channels: C } = x;
    const hp = Math.ceil(H / win) * win;
    const wp = Math.ceil(W / win) * win;
    // Padded, rolled tokens in window order: window (wr, wc), token (ti, tj).
    const rows = hp / win;
    const cols = wp / win;
    const tokens = new Float64Array(hp * wp * C);
    forEachWindowToken(H, W, win, shift, (pixel, token) => tokens.set(x.data.subarray(pixel * C, (pixel + 1) * C), token * C));
    const qkvOut = qkv({ height: rows * cols, width: n, channels: C, data: tokens }).data;
    const mask = windowAttentionMask(H, W, win, shift);
    const attended = new Float64Array(rows * cols * n * inner);
    const logits = new Float64Array(n);
    for (let w = 0; w < rows * cols; w++) {
      for (let h = 0; h < heads; h++) {
        for (let q = 0; q < n; q++) {
          const qo = (w * n + q) * 3 * inner + h * d;
          let max = -Infinity;
          for (let k = 0; k < n; k++) {
            const ko = (w * n + k) * 3 * inner + inner + h * d;
            let dot = 0;
            for (let e = 0; e < d; e++) dot += qkvOut[qo + e]! * scale * qkvOut[ko + e]!;
            let l = dot + bias[(h * n + q) * n + k]!;
            if (mask) l += mask[(w * n + q) * n + k]!;
            logits[k] = l;
            if (l > max) max = l;
          }
          let sum = 0;
          for (let k = 0; k < n; k++) {
            logits[k] = exactExp(logits[k]! - max);
            sum += logits[k]!;
          }
          const out = (w * n + q) * inner + h * d;
          for (let k = 0; k < n; k++) {
            const p = logits[k]! / sum;
            const vo = (w * n + k) * 3 * inner + 2 * inner + h * d;
            for (let e = 0; e < d; e++) attended[out + e]! += p * qkvOut[vo + e]!;
          }
        }
      }
    }
    const projected = proj({ height: rows * cols, width: n, channels: inner, data: attended }).data;
    const out = new Float64Array(H * W * C);
    forEachWindowToken(H, W, win, shift, (pixel, token) => out.set(projected.subarray(token * C, (token + 1) * C), pixel * C));
    return { height: H, width: W, channels: C, data: out };
  };
}

/** Channels `start .. start + count - 1` (re-exported for the Swin twins). */
export { sliceChannels };
