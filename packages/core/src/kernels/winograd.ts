/**
 * Winograd F(4x4, 3x3) convolution (Lavin & Gray 2016, "Fast Algorithms for Convolutional
 * Neural Networks") for stride-1 3x3 correlations with many channels, built of TF.js ops
 * that are fast on wasm.
 *
 * Each 4x4 block of outputs is Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A for its 6x6 input tile d: 36
 * products per input / output channel pair instead of 144, so the channel mixing is 36
 * matrix products [tiles, Cin] x [Cin, Cout] with 2.25 multiply-adds per output and
 * channel pair instead of 9 (4x fewer). The tile transforms are done with XNNPACK too:
 * the input's channels are moved to the batch axis and Bᵀ is applied along rows, then
 * columns, as two tiny strided convolutions; the output transform is one matrix product
 * with the 16 x 36 matrix Aᵀ ⊗ Aᵀ. Measured on wasm (1 thread) for the combined phases of
 * the Ballé 2018 synthesis' 128 -> 4 x 128 3x3 conv on 128 x 192: 381 ms against 790 ms
 * for the direct convolution (and ~560 ms for the four separate phase convolutions).
 *
 * Rounding differs from the direct sum (the transforms have entries up to 8 and 1/24):
 * the error is ~1e-5 of the output's magnitude. Used only where no gradient is being
 * recorded (its ops would be differentiated one by one), e.g. the forward pass of
 * `conv2dTranspose`, whose gradient is its own.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Bᵀ of F(4x4, 3x3) (interpolation points 0, ±1, ±2, ∞). */
const BT = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
];
/** G of F(4x4, 3x3). */
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];
/** Aᵀ of F(4x4, 3x3). */
const AT = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
];

/**
 * Whether {@link winogradConv3x3} is worth it (and allowed): no gradient being recorded,
 * enough channels for the 36 products to dominate the transforms (measured on wasm), and
 * enough 4x4 output tiles.
 *
 * @param minTiles - Fewest 4x4 output tiles (default 64).
 */
export function winogradPays(cin: number, cout: number, outH: number, outW: number, minTiles = 64): boolean {
  if (tf.engine().isTapeOn()) return false;
  return cin >= 32 && cout >= 128 && Math.ceil(outH / 4) * Math.ceil(outW / 4) >= minTiles;
}

/**
 * `conv2d(x, f, 1, pad)` for a 3x3 filter by Winograd F(4x4, 3x3).
 *
 * @param x - [N, H, W, Cin].
 * @param f - [3, 3, Cin, Cout].
 * @param pad - Zeros [top, bottom, left, right] (non-negative); the output is
 *   [N, H + top + bottom - 2, W + left + right - 2, Cout].
 */
export function winogradConv3x3(x: tf.Tensor4D, f: tf.Tensor4D, pad: readonly [number, number, number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, cin] = x.shape;
    const cout = f.shape[3];
    const [top, bottom, left, right] = pad;
    const outH = h + top + bottom - 2;
    const outW = w + left + right - 2;
    const th = Math.ceil(outH / 4);
    const tw = Math.ceil(outW / 4);
    // Filter: U[ξ = (k, l), ci, co] = Σ_ij G[k, i] G[l, j] f[i, j, ci, co].
    const gg = tf.tensor2d(
      Array.from({ length: 36 }, (_, kl) => Array.from({ length: 9 }, (_, ij) => G[Math.floor(kl / 6)]![Math.floor(ij / 3)]! * G[kl % 6]![ij % 3]!)).flat(),
      [36, 9],
    );
    const u = tf.reshape(tf.matMul(gg, tf.reshape(f, [9, cin * cout])), [36, cin, cout]) as tf.Tensor3D;
    // Pad so that 4 th + 2 rows and 4 tw + 2 columns exist.
    const xp = tf.pad(x, [
      [0, 0],
      [top, 4 * th + 2 - h - top],
      [left, 4 * tw + 2 - w - left],
      [0, 0],
    ]);
    // One image and a band of tile rows at a time, so that the 36 transformed planes stay
    // under ~64 MB (a batch of 8 crops would otherwise need > 1 GB of temporaries).
    const band = Math.max(1, Math.floor(BAND_ELEMENTS / (36 * tw * Math.max(cin, cout))));
    const images: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const bands: tf.Tensor[] = [];
      for (let t0 = 0; t0 < th; t0 += band) {
        const rows = Math.min(band, th - t0);
        const part = tf.slice(xp, [i, 4 * t0, 0, 0], [1, 4 * rows + 2, 4 * tw + 2, cin]) as tf.Tensor4D;
        bands.push(tileBand(part, u, rows, tw));
      }
      images.push(bands.length === 1 ? bands[0]! : tf.concat(bands, 1));
    }
    const image = (images.length === 1 ? images[0]! : tf.concat(images, 0)) as tf.Tensor4D;
    return 4 * th === outH && 4 * tw === outW ? image : (tf.slice(image, [0, 0, 0, 0], [n, outH, outW, cout]) as tf.Tensor4D);
  });
}

/** Elements of the largest transformed band (36 x tiles x channels). */
const BAND_ELEMENTS = 16 * 2 ** 20;

/**
 * Winograd on one padded band [1, 4 th + 2, 4 tw + 2, Cin] with the transformed filter
 * `u` [36, Cin, Cout]: returns [1, 4 th, 4 tw, Cout].
 */
function tileBand(xp: tf.Tensor4D, u: tf.Tensor3D, th: number, tw: number): tf.Tensor4D {
  const [, hp, wp, cin] = xp.shape;
  const cout = u.shape[2];
  const tiles = th * tw;
  // Input: channels to the batch axis, then Bᵀ along rows (a [6, 1] stride-(4, 1) conv
  // with 6 outputs) and along columns (each row output k to the batch axis, a [1, 6]
  // stride-(1, 4) conv).
  const planes = tf.reshape(tf.transpose(xp, [3, 0, 1, 2]), [cin, hp, wp, 1]) as tf.Tensor4D;
  const rowsFilter = tf.tensor4d(Array.from({ length: 6 }, (_, i) => BT.map((row) => row[i]!)).flat(), [6, 1, 1, 6]);
  const colsFilter = tf.tensor4d(Array.from({ length: 6 }, (_, j) => BT.map((row) => row[j]!)).flat(), [1, 6, 1, 6]);
  const rows = tf.conv2d(planes, rowsFilter, [4, 1], 'valid'); // [Cin, th, wp, 6 (k)]
  const rowPlanes = tf.reshape(tf.transpose(rows, [0, 3, 1, 2]), [cin * 6, th, wp, 1]) as tf.Tensor4D;
  const v = tf.conv2d(rowPlanes, colsFilter, [1, 4], 'valid'); // [Cin 6 (k), th, tw, 6 (l)]
  // [Cin, k, th tw, l] -> [k, l, th tw, Cin]: 36 products [tiles, Cin] x [Cin, Cout].
  const vv = tf.reshape(tf.transpose(tf.reshape(v, [cin, 6, tiles, 6]), [1, 3, 2, 0]), [36, tiles, cin]);
  const m = tf.matMul(vv, u); // [36, tiles, Cout]
  // Output: Y[(a, b)] = Σ_ξ (Aᵀ ⊗ Aᵀ)[(a, b), ξ] M[ξ], as [tiles Cout, 36] x [36, 16].
  const at2 = tf.tensor2d(
    Array.from({ length: 16 }, (_, ab) => Array.from({ length: 36 }, (_, kl) => AT[Math.floor(ab / 4)]![Math.floor(kl / 6)]! * AT[ab % 4]![kl % 6]!)).flat(),
    [16, 36],
  );
  const y = tf.matMul(tf.transpose(tf.reshape(m, [36, tiles * cout])), at2, false, true); // [tiles Cout, 16]
  // [th, tw, Cout, (a, b)] -> [th, tw, (a, b), Cout] -> [th, a, tw, b Cout].
  const blocks = tf.transpose(tf.reshape(y, [tiles, cout, 16]), [0, 2, 1]);
  return tf.reshape(tf.transpose(tf.reshape(blocks, [th, tw, 4, 4 * cout]), [0, 2, 1, 3]), [1, 4 * th, 4 * tw, cout]) as tf.Tensor4D;
}

/**
 * `tf.conv2d(x, filter, strides, pad)` (NHWC, dilation 1) that, on the wasm backend and
 * when no gradient is being recorded, takes Winograd F(4x4, 3x3) for wide 3x3 stride-1
 * convolutions and for 5x5 / 6x6 stride-2 ones (by polyphase decomposition: the four
 * sub-sampled phases of the padded input, side by side in the channels, convolved with a
 * 3x3 filter of 4 x Cin input channels). Everywhere else, and whenever a gradient is
 * recorded, it is `tf.conv2d` itself (whose gradient @ncomp/core registers).
 *
 * @param x - [N, H, W, Cin].
 * @param filter - [kh, kw, Cin, Cout].
 * @param strides - Stride, one number or [sh, sw].
 * @param pad - As for `tf.conv2d`: 'same', 'valid', a number or explicit NHWC pairs.
 * @param winograd - `auto` (default): where {@link winogradPays}; `always`: whenever the
 *   kernel and stride allow it on wasm (tests), even while recording a gradient.
 */
export function fastConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | readonly [number, number],
  pad: 'same' | 'valid' | number | readonly (readonly [number, number])[],
  winograd: 'auto' | 'always' = 'auto',
): tf.Tensor4D {
  const s: [number, number] = typeof strides === 'number' ? [strides, strides] : [strides[0], strides[1]];
  const tfPad = (typeof pad === 'object' ? pad.map((p) => [p[0], p[1]]) : pad) as
    'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
  const direct = (): tf.Tensor4D => tf.conv2d(x, filter, s, tfPad);
  if (tf.getBackend() !== 'wasm') return direct();
  const [kh, kw, cin, cout] = filter.shape;
  const square = kh === kw && s[0] === s[1];
  const kind = square && kh === 3 && s[0] === 1 ? 'plain' : square && (kh === 5 || kh === 6) && s[0] === 2 ? 'polyphase' : undefined;
  if (kind === undefined) return direct();
  const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, s, 1, tfPad);
  const { top, left } = info.padInfo;
  const [outH, outW] = [info.outHeight, info.outWidth];
  // A strided conv has 2.8x fewer multiply-adds than its polyphase 3x3 form, so the
  // transforms pay only on large outputs (measured: 11 % faster at 128 x 192 x 4 tiles,
  // slower at 16 x 24 tiles).
  const minTiles = kind === 'plain' ? 64 : 1024;
  if (top < 0 || left < 0 || outH < 1 || outW < 1) return direct();
  if (winograd === 'auto' && !winogradPays(kind === 'plain' ? cin : 4 * cin, cout, outH, outW, minTiles)) return direct();
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    if (kind === 'plain') return winogradConv3x3(x, filter, [top, outH + 2 - h - top, left, outW + 2 - w - left]);
    // Polyphase: padded rows 2 i + t for t < 6 are phase a = t mod 2, row i + floor(t / 2).
    // Pad (or crop) to 2 (outH + 2) rows and 2 (outW + 2) columns, split into the 2 x 2
    // phases side by side in the channels ((a, b, c) order), and take the filter taps
    // (2 u + a, 2 v + b), zero beyond the kernel.
    const hp = 2 * (outH + 2);
    const wp = 2 * (outW + 2);
    const bottom = hp - h - top;
    const right = wp - w - left;
    let xp = x;
    if (bottom < 0 || right < 0) xp = tf.slice(xp, [0, 0, 0, 0], [n, Math.min(h, hp - top), Math.min(w, wp - left), cin]);
    xp = tf.pad(xp, [
      [0, 0],
      [top, Math.max(0, bottom)],
      [left, Math.max(0, right)],
      [0, 0],
    ]);
    const phases = tf.reshape(tf.transpose(tf.reshape(xp, [n * (outH + 2), 2, outW + 2, 2 * cin]), [0, 2, 1, 3]), [
      n,
      outH + 2,
      outW + 2,
      4 * cin,
    ]) as tf.Tensor4D;
    const f6 = tf.reshape(
      tf.pad(filter, [
        [0, 6 - kh],
        [0, 6 - kw],
        [0, 0],
        [0, 0],
      ]),
      [6, 6 * cin * cout],
    );
    // [(u, a), (v, b), Cin, Cout] = [u, a, v, (b Cin Cout)] -> [u, v, a, (b Cin Cout)].
    const uvab = tf.transpose(tf.reshape(f6, [3, 2, 3, 2 * cin * cout]), [0, 2, 1, 3]);
    const f3 = tf.reshape(uvab, [3, 3, 4 * cin, cout]) as tf.Tensor4D;
    return winogradConv3x3(phases, f3, [0, 0, 0, 0]);
  });
}
