/** The measurements `ncomp eval` collects (one row per image and operating point) and their means. */
import type { ClassicalCodec } from '../baselines/index.js';

/** One measured operating point of one image: an ncomp bitstream, or a classical file. */
export interface EvalRow {
  /** The image's file name. */
  image: string;
  /** `ncomp`, or the classical codec (`jpeg`, `webp`, `avif`). */
  codec: 'ncomp' | ClassicalCodec;
  /** Rate level (ncomp) or integer quality 1..100 (classical). */
  quality: number;
  /** The decode-time control value (beta / alpha) of an ncomp row, for models that have one. */
  control?: number;
  /** File size in bytes (the whole .ncomp container for ncomp). */
  bytes: number;
  /** Bits per pixel of the whole file. */
  bpp: number;
  /** PSNR on 8-bit RGB, dB. */
  psnr: number;
  /** MS-SSIM on RGB in [0, 1] (NaN for images under 161 pixels a side, and for sweep rows). */
  msssim: number;
  /** LPIPS distance (NaN without --lpips or for images too small for it). */
  lpips?: number;
  /** Encode time in ms (NaN for classical rows). */
  encodeMs: number;
  /** Decode time in ms (NaN for sweep rows). */
  decodeMs: number;
  /** For classical rows at a matched rate: the ncomp quality they match. */
  matchedTo?: number;
}

/** A point of a mean rate-distortion curve. */
export interface CurvePoint {
  /** The group's key (e.g. the quality). */
  readonly label: string;
  /** Mean bits per pixel. */
  readonly bpp: number;
  /** Mean PSNR, dB. */
  readonly psnr: number;
  /** Mean MS-SSIM. */
  readonly msssim: number;
}

/** Arithmetic mean (NaN for no values, or when any is NaN). */
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The mean curve of `rows` grouped by `key` (one point per group, e.g. per quality level),
 * sorted by bpp.
 */
export function meanCurve(rows: readonly EvalRow[], key: (r: EvalRow) => string): CurvePoint[] {
  const groups = new Map<string, EvalRow[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return [...groups.entries()]
    .map(([label, g]) => ({ label, bpp: mean(g.map((r) => r.bpp)), psnr: mean(g.map((r) => r.psnr)), msssim: mean(g.map((r) => r.msssim)) }))
    .sort((a, b) => a.bpp - b.bpp);
}
