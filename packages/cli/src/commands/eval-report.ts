/**
 * Reporting `ncomp eval`: the summary (mean over images per quality and control value,
 * classical codecs at the matched rates, the distortion-realism trade-offs, BD-rates), as
 * the human table or as the results document (results.json, `--json`).
 */
import { bdRate, controlTradeoffs, describeTradeoff, type ControlTradeoff } from '../eval/index.js';
import type { EvalMeasurements } from './eval-run.js';
import type { EvalPlan } from './eval-options.js';
import { mean, meanCurve, type CurvePoint, type EvalRow } from './eval-rows.js';

/** A classical codec's mean at the bit rates ncomp reached for one quality. */
export interface MatchedMean {
  /** Mean bits per pixel. */
  readonly bpp: number;
  /** Mean PSNR, dB. */
  readonly psnr: number;
  /** Mean LPIPS (present with --lpips). */
  readonly lpips?: number;
}

/** One line of the table: the means over images of one quality and control value. */
export interface SummaryRow {
  /** Rate level. */
  readonly quality: number;
  /** Decode-time control value (models with one). */
  readonly control?: number;
  /** Mean bits per pixel. */
  readonly bpp: number;
  /** Mean PSNR, dB. */
  readonly psnr: number;
  /** Mean MS-SSIM (NaN when an image is too small). */
  readonly msssim: number;
  /** Mean LPIPS (present with --lpips). */
  readonly lpips?: number;
  /** Mean encode time, ms. */
  readonly encodeMs: number;
  /** Mean decode time, ms. */
  readonly decodeMs: number;
  /** Classical codecs at the matched rates (only beside the primary control value). */
  readonly classical: Readonly<Partial<Record<string, MatchedMean>>>;
}

/** Everything `ncomp eval` reports, computed from its measurements. */
export interface EvalSummary {
  /** One row per quality and control value, in the order asked. */
  readonly table: readonly SummaryRow[];
  /** ncomp's mean curve (at the primary control value), one point per quality. */
  readonly ours: readonly CurvePoint[];
  /** Distortion-realism trade-off per quality (models with a control). */
  readonly tradeoffs: readonly ControlTradeoff[];
  /** BD-rate in percent against each classical codec's sweep, or why it is not computable. */
  readonly bdRate: Readonly<Record<string, number | string>>;
}

/** Summarises the measurements of a plan. */
export function summarizeEval(plan: EvalPlan, { rows, sweep }: EvalMeasurements): EvalSummary {
  const table: SummaryRow[] = [];
  for (const q of plan.qualities) {
    for (const v of plan.controls) {
      const mine = rows.filter((r) => r.codec === 'ncomp' && r.quality === q && r.control === v);
      const classical: Partial<Record<string, MatchedMean>> = {};
      for (const codec of plan.codecs) {
        const matched = v === plan.primary ? rows.filter((r) => r.codec === codec && r.matchedTo === q) : [];
        if (matched.length === 0) continue;
        classical[codec] = {
          bpp: mean(matched.map((r) => r.bpp)),
          psnr: mean(matched.map((r) => r.psnr)),
          ...(plan.lpips ? { lpips: mean(matched.map((r) => r.lpips ?? Number.NaN)) } : {}),
        };
      }
      table.push({
        quality: q,
        ...(plan.control ? { control: v! } : {}),
        bpp: mean(mine.map((r) => r.bpp)),
        psnr: mean(mine.map((r) => r.psnr)),
        msssim: mean(mine.map((r) => r.msssim)),
        ...(plan.lpips ? { lpips: mean(mine.map((r) => r.lpips ?? Number.NaN)) } : {}),
        encodeMs: mean(mine.map((r) => r.encodeMs)),
        decodeMs: mean(mine.map((r) => r.decodeMs)),
        classical,
      });
    }
  }
  const ours = ourCurve(plan, rows);
  const tradeoffs = plan.control ? controlTradeoffs(rows.filter((r) => r.codec === 'ncomp')) : [];
  const bd: Record<string, number | string> = {};
  for (const codec of plan.codecs) {
    try {
      bd[codec] = bdRate(sweepCurve(sweep, codec), ours);
    } catch (err) {
      bd[codec] = (err as Error).message;
    }
  }
  return { table, ours, tradeoffs, bdRate: bd };
}

/** ncomp's mean curve at the primary control value, one point per quality. */
export function ourCurve(plan: EvalPlan, rows: readonly EvalRow[]): CurvePoint[] {
  return meanCurve(
    rows.filter((r) => r.codec === 'ncomp' && (r.control === undefined || r.control === plan.primary)),
    (r) => String(r.quality),
  );
}

/** A classical codec's mean curve over its quality sweep. */
export function sweepCurve(sweep: readonly EvalRow[], codec: string): CurvePoint[] {
  return meanCurve(
    sweep.filter((r) => r.codec === codec),
    (r) => String(r.quality),
  );
}

/** The human report: a heading, the table, trade-off lines and BD-rate lines. */
export function evalReportLines(plan: EvalPlan, modelName: string, summary: EvalSummary): string[] {
  const { control, codecs, lpips } = plan;
  const lines = [
    `\n${modelName} on ${plan.paths.length} images (mean over images; classical codecs at the matched per-image bit rate${control ? `, beside the ${control.name} ${plan.primary} row; BD-rate on it` : ''}):`,
  ];
  const header = [
    'quality',
    ...(control ? [control.name] : []),
    'bpp',
    'PSNR',
    'MS-SSIM',
    ...(lpips ? ['LPIPS'] : []),
    'enc ms',
    'dec ms',
    ...codecs.flatMap((c) => [`${c} bpp`, `${c} PSNR`, ...(lpips ? [`${c} LPIPS`] : [])]),
  ];
  const widths = header.map((h) => Math.max(10, h.length + 2));
  lines.push(header.map((h, i) => h.padStart(widths[i]!)).join(''));
  for (const row of summary.table) {
    const cells = [String(row.quality), ...(control ? [String(row.control)] : []), row.bpp.toFixed(4), row.psnr.toFixed(2), row.msssim.toFixed(4)];
    if (lpips) cells.push((row.lpips ?? Number.NaN).toFixed(4));
    cells.push(row.encodeMs.toFixed(0), row.decodeMs.toFixed(0));
    for (const codec of codecs) {
      const m = row.classical[codec];
      cells.push(
        ...(m ? [m.bpp.toFixed(4), m.psnr.toFixed(2), ...(lpips ? [(m.lpips ?? Number.NaN).toFixed(4)] : [])] : new Array<string>(lpips ? 3 : 2).fill('')),
      );
    }
    lines.push(
      cells
        .map((c, k) => c.padStart(widths[k]!))
        .join('')
        .trimEnd(),
    );
  }
  for (const t of summary.tradeoffs) lines.push(describeTradeoff(t, control!.name));
  for (const codec of codecs) {
    const bd = summary.bdRate[codec];
    lines.push(
      typeof bd === 'number'
        ? `BD-rate vs ${codec.toUpperCase()} (PSNR): ${bd.toFixed(1)} %`
        : `BD-rate vs ${codec.toUpperCase()}: not computable (${String(bd)})`,
    );
  }
  return lines;
}
