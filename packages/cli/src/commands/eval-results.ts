/** `ncomp eval`'s result files: results.json, results.csv and the RD plots (rd-psnr.svg, rd-msssim.svg). */
import { writeFileAtomic } from '@ncomp/core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { rdPlotSvg, toCsv, type ControlTradeoff } from '../eval/index.js';
import type { EvalPlan } from './eval-options.js';
import type { EvalMeasurements } from './eval-run.js';
import { sweepCurve, type EvalSummary } from './eval-report.js';
import { meanCurve, type EvalRow } from './eval-rows.js';

/** The results document (results.json; NaN is written as null). */
export interface EvalResults {
  /** Model architecture name. */
  readonly model: string;
  /** The model file. */
  readonly modelFile: string;
  /** The image files. */
  readonly images: readonly string[];
  /** Rate levels evaluated. */
  readonly qualities: readonly number[];
  /** The decode-time control's name (models with one). */
  readonly control?: string;
  /** Its values evaluated. */
  readonly controlValues?: readonly (number | undefined)[];
  /** The distortion-realism trade-offs. */
  readonly tradeoffs?: readonly ControlTradeoff[];
  /** Per-image ncomp rows and classical rows at matched rates. */
  readonly rows: readonly EvalRow[];
  /** Per-image classical sweep rows. */
  readonly sweep: readonly EvalRow[];
  /** BD-rate (%) against each classical codec, or why it is not computable. */
  readonly bdRate: Readonly<Record<string, number | string>>;
}

/** The results document of an evaluation. */
export function evalResults(plan: EvalPlan, model: { readonly name: string; readonly path: string }, m: EvalMeasurements, summary: EvalSummary): EvalResults {
  const { control } = plan;
  return {
    model: model.name,
    modelFile: model.path,
    images: plan.paths,
    qualities: plan.qualities,
    ...(control ? { control: control.name, controlValues: plan.controls, tradeoffs: summary.tradeoffs } : {}),
    rows: m.rows,
    sweep: m.sweep,
    bdRate: summary.bdRate,
  };
}

/**
 * Writes results.json, results.csv, rd-psnr.svg and (when every MS-SSIM mean is finite)
 * rd-msssim.svg into `outDir` (created if missing), atomically; existing files only with `force`.
 * @returns The names of the files written.
 */
export async function writeEvalResults(outDir: string, plan: EvalPlan, results: EvalResults, summary: EvalSummary, force: boolean): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const opts = { overwrite: force, overwriteHint: 'pass --force to replace it' };
  const write = (name: string, text: string): Promise<void> => writeFileAtomic(join(outDir, name), new TextEncoder().encode(text), opts);
  await write('results.json', `${JSON.stringify(results, null, 2)}\n`);
  await write(
    'results.csv',
    toCsv([...results.rows, ...results.sweep.map((r) => ({ ...r, codec: `${r.codec}-sweep` }))] as unknown as Record<string, string | number>[]),
  );
  // PSNR: classical curves from the quality sweeps; MS-SSIM: from the matched-rate points.
  const series = (metric: 'psnr' | 'msssim') => [
    { name: `ncomp ${results.model}`, points: summary.ours.map((p) => ({ bpp: p.bpp, value: p[metric] })) },
    ...plan.codecs.map((codec) => ({
      name: codec.toUpperCase(),
      points: (metric === 'psnr'
        ? sweepCurve(results.sweep, codec)
        : meanCurve(
            results.rows.filter((r) => r.codec === codec),
            (r) => String(r.matchedTo),
          )
      ).map((p) => ({ bpp: p.bpp, value: p[metric] })),
    })),
  ];
  const n = plan.paths.length;
  await write('rd-psnr.svg', rdPlotSvg(series('psnr'), { title: `Rate-distortion on ${n} images`, yLabel: 'PSNR (dB, RGB)', xLabel: 'bits per pixel' }));
  const written = ['results.json', 'results.csv', 'rd-psnr.svg'];
  const msSeries = series('msssim').filter((s) => s.points.every((p) => Number.isFinite(p.value)));
  if (msSeries.length > 0) {
    await write('rd-msssim.svg', rdPlotSvg(msSeries, { title: `MS-SSIM on ${n} images`, yLabel: 'MS-SSIM (RGB)', xLabel: 'bits per pixel' }));
    written.push('rd-msssim.svg');
  }
  return written;
}
