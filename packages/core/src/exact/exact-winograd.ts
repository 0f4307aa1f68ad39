import type { ExactConvGeometry, ExactConvWeights } from './exact-conv.js';
import type { ExactMap } from './exact-map.js';
import { PANEL_ROWS, gemm, packColumns } from './wasm/gemm.js';

/**
 * Whether {@link exactWinograd3x3} computes a convolution: 3x3 kernels at stride 1 with
 * enough channels that its transforms pay off. A function of the layer's shape alone, so
 * encoder and decoder always agree.
 */
export function usesWinograd(w: ExactConvWeights, g: ExactConvGeometry): boolean {
  return w.kernelHeight === 3 && w.kernelWidth === 3 && g.stride[0] === 1 && g.stride[1] === 1 && w.inChannels * w.outChannels >= 4096;
}

/** The 16 transformed kernels U_ξ = G g G^T of F(2x2, 3x3), each packed for {@link gemm}, once per kernel. */
const transformedKernels = new WeakMap<Float64Array, { readonly packed: Float32Array[]; readonly np: number }>();

function kernelTransform(w: ExactConvWeights): { readonly packed: Float32Array[]; readonly np: number } {
  const hit = transformedKernels.get(w.kernel);
  if (hit) return hit;
  const C = w.inChannels;
  const O = w.outChannels;
  const u = Array.from({ length: 16 }, () => new Float64Array(C * O));
  const gg = new Float64Array(12);
  for (let c = 0; c < C; c++) {
    for (let o = 0; o < O; o++) {
      const k = (a: number, b: number): number => Math.fround(w.kernel[(a * 3 + b) * C * O + c * O + o]!);
      // G g: rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2 (per column b).
      for (let b = 0; b < 3; b++) {
        gg[b] = k(0, b);
        gg[3 + b] = 0.5 * (k(0, b) + k(1, b) + k(2, b));
        gg[6 + b] = 0.5 * (k(0, b) - k(1, b) + k(2, b));
        gg[9 + b] = k(2, b);
      }
      // (G g) G^T, row by row.
      for (let i = 0; i < 4; i++) {
        const [p, q, r] = [gg[i * 3]!, gg[i * 3 + 1]!, gg[i * 3 + 2]!];
        u[i * 4]![c * O + o] = p;
        u[i * 4 + 1]![c * O + o] = 0.5 * (p + q + r);
        u[i * 4 + 2]![c * O + o] = 0.5 * (p - q + r);
        u[i * 4 + 3]![c * O + o] = r;
      }
    }
  }
  let np = 0;
  const packed = u.map((m) => {
    const p = packColumns(m, C, O);
    np = p.np;
    return p.packed;
  });
  const out = { packed, np };
  transformedKernels.set(w.kernel, out);
  return out;
}

/** Tiles per chunk (bounds the memory of large maps). */
const CHUNK_TILES = 1 << 12;

/**
 * Deterministic 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin &
 * Gray 2016): per 2x2 output tile, the input's 4x4 patch and the kernel are transformed
 * (V = Bᵀ d B, U = G g Gᵀ, in float64 in a fixed order, rounded to float32), the 16
 * element-wise products are summed over input channels as float32 products in channel
 * order ({@link gemm}), and the output transform Aᵀ M A and the bias follow (float64, fixed
 * order, rounded to float32). 2.25 times fewer multiplications than the direct product;
 * chosen by the layer's shape alone ({@link usesWinograd}), computed by this code alone —
 * never by a backend — so every engine gives the same bits.
 */
export function exactWinograd3x3(x: ExactMap, w: ExactConvWeights, g: ExactConvGeometry): ExactMap {
  const { height: H, width: W, channels: C, data: xd } = x;
  const O = w.outChannels;
  const OH = g.outHeight;
  const OW = g.outWidth;
  const th = Math.ceil(OH / 2);
  const tw = Math.ceil(OW / 2);
  const tiles = th * tw;
  const { packed, np } = kernelTransform(w);
  const out = new Float64Array(OH * OW * O);
  const R = PANEL_ROWS;
  const d = new Float64Array(16);
  const v = new Float64Array(16);
  for (let first = 0; first < tiles; first += CHUNK_TILES) {
    const count = Math.min(CHUNK_TILES, tiles - first);
    const panels = Math.ceil(count / R);
    const a = Array.from({ length: 16 }, () => new Float32Array(panels * C * R));
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const ty = Math.floor(tile / tw);
      const tx = tile - ty * tw;
      const y0 = 2 * ty - g.padTop;
      const x0 = 2 * tx - g.padLeft;
      const base = Math.floor(t / R) * C * R + (t % R);
      for (let c = 0; c < C; c++) {
        for (let r = 0; r < 4; r++) {
          const iy = y0 + r;
          for (let s = 0; s < 4; s++) {
            const ix = x0 + s;
            d[r * 4 + s] = iy >= 0 && iy < H && ix >= 0 && ix < W ? xd[(iy * W + ix) * C + c]! : 0;
          }
        }
        // Bᵀ d (rows), then (Bᵀ d) B (columns).
        for (let s = 0; s < 4; s++) {
          const [d0, d1, d2, d3] = [d[s]!, d[4 + s]!, d[8 + s]!, d[12 + s]!];
          v[s] = d0 - d2;
          v[4 + s] = d1 + d2;
          v[8 + s] = d2 - d1;
          v[12 + s] = d1 - d3;
        }
        for (let r = 0; r < 4; r++) {
          const [u0, u1, u2, u3] = [v[r * 4]!, v[r * 4 + 1]!, v[r * 4 + 2]!, v[r * 4 + 3]!];
          const o = base + c * R;
          a[r * 4]![o] = u0 - u2;
          a[r * 4 + 1]![o] = u1 + u2;
          a[r * 4 + 2]![o] = u2 - u1;
          a[r * 4 + 3]![o] = u1 - u3;
        }
      }
    }
    const m = a.map((panel, xi) => gemm(panel, packed[xi]!, panels, C, np));
    const [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15] = m as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const ty = Math.floor(tile / tw);
      const tx = tile - ty * tw;
      const oy = 2 * ty;
      const ox = 2 * tx;
      const row1 = oy + 1 < OH;
      const col1 = ox + 1 < OW;
      for (let o = 0; o < O; o++) {
        const q = t * np + o;
        // Aᵀ M (rows m0 + m1 + m2 and m1 - m2 - m3 of the 4x4 M), then the same on its columns.
        const a0 = m0[q]! + m4[q]! + m8[q]!;
        const a1 = m1[q]! + m5[q]! + m9[q]!;
        const a2 = m2[q]! + m6[q]! + m10[q]!;
        const a3 = m3[q]! + m7[q]! + m11[q]!;
        const b0 = m4[q]! - m8[q]! - m12[q]!;
        const b1 = m5[q]! - m9[q]! - m13[q]!;
        const b2 = m6[q]! - m10[q]! - m14[q]!;
        const b3 = m7[q]! - m11[q]! - m15[q]!;
        const bias = w.bias ? w.bias[o]! : 0;
        const base = (oy * OW + ox) * O + o;
        out[base] = Math.fround(a0 + a1 + a2 + bias);
        if (col1) out[base + O] = Math.fround(a1 - a2 - a3 + bias);
        if (row1) {
          out[base + OW * O] = Math.fround(b0 + b1 + b2 + bias);
          if (col1) out[base + OW * O + O] = Math.fround(b1 - b2 - b3 + bias);
        }
      }
    }
  }
  return { height: OH, width: OW, channels: O, data: out };
}
