/** One decoded row of an evaluation: a quality, a decode-time control value and its metrics. */
export interface ControlRow {
  /** Rate level. */
  readonly quality: number;
  /** The decode-time control value (beta, alpha). */
  readonly control?: number;
  /** Bits per pixel (the same for every control value of a bitstream). */
  readonly bpp: number;
  /** PSNR, dB. */
  readonly psnr: number;
  /** LPIPS distance, or undefined / NaN when not measured. */
  readonly lpips?: number;
}

/**
 * The distortion-realism trade-off of one quality from one bitstream: the means over images
 * at the smallest control value (the distortion end: MRIC's β = 0, EGIC-ORP's α = 0) and at
 * the largest (the realistic end).
 */
export interface ControlTradeoff {
  /** Rate level. */
  readonly quality: number;
  /** Mean bits per pixel. */
  readonly bpp: number;
  /** The distortion end's control value. */
  readonly from: number;
  /** The realistic end's control value. */
  readonly to: number;
  /** Mean PSNR at `from` and at `to`, dB. */
  readonly psnr: readonly [number, number];
  /** Mean LPIPS at `from` and at `to` (NaN without LPIPS). */
  readonly lpips: readonly [number, number];
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The trade-off of every quality whose rows span at least two control values.
 * @param rows - The model's rows (one per image, quality and control value).
 */
export function controlTradeoffs(rows: readonly ControlRow[]): ControlTradeoff[] {
  const out: ControlTradeoff[] = [];
  for (const quality of [...new Set(rows.map((r) => r.quality))].sort((a, b) => a - b)) {
    const mine = rows.filter((r) => r.quality === quality && r.control !== undefined);
    const values = [...new Set(mine.map((r) => r.control!))].sort((a, b) => a - b);
    if (values.length < 2) continue;
    const at = (v: number): ControlRow[] => mine.filter((r) => r.control === v);
    const [from, to] = [values[0]!, values[values.length - 1]!];
    const metric = (v: number, k: 'psnr' | 'lpips'): number => mean(at(v).map((r) => r[k] ?? Number.NaN));
    out.push({
      quality,
      bpp: mean(mine.map((r) => r.bpp)),
      from,
      to,
      psnr: [metric(from, 'psnr'), metric(to, 'psnr')],
      lpips: [metric(from, 'lpips'), metric(to, 'lpips')],
    });
  }
  return out;
}

/**
 * One line for a trade-off, e.g. `quality 0, beta 0 -> 2.56 (one bitstream, 0.412 bpp):
 * PSNR 27.10 -> 26.20 dB (-0.90 dB), LPIPS 0.3100 -> 0.2500 (-19.4 %)`.
 */
export function describeTradeoff(t: ControlTradeoff, controlName: string): string {
  const [p0, p1] = t.psnr;
  const [l0, l1] = t.lpips;
  const lpips = Number.isFinite(l0) && Number.isFinite(l1) ? `, LPIPS ${l0.toFixed(4)} -> ${l1.toFixed(4)} (${signed((100 * (l1 - l0)) / l0, 1)} %)` : '';
  return `quality ${t.quality}, ${controlName} ${t.from} -> ${t.to} (one bitstream, ${t.bpp.toFixed(
    3,
  )} bpp): PSNR ${p0.toFixed(2)} -> ${p1.toFixed(2)} dB (${signed(p1 - p0, 2)} dB)${lpips}`;
}

function signed(v: number, digits: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
}
