/**
 * Running `ncomp eval`: every image really compressed to .ncomp bytes and decoded again at
 * each quality (and control value), and the classical codecs at the matched rates and
 * over their quality sweeps.
 */
import type { ImageCodec } from '@ncomp/models';
import { checkContainerModel, decodeContainer, encodeContainer } from '@ncomp/models/container';
import * as tf from '@tensorflow/tfjs-core';
import { basename } from 'node:path';
import { classicalAtQualities, decodeClassical, type ClassicalCodec, type ClassicalResult } from '../baselines/index.js';
import { readImage, type DecodedImage } from '../image/index.js';
import { ProgressBar, type ProgressStream } from '../progress/index.js';
import { matchOnSweep } from './eval-match.js';
import { lpipsOf, msssimOf, psnr8 } from './eval-metrics.js';
import { SWEEP, type EvalPlan } from './eval-options.js';
import type { EvalRow } from './eval-rows.js';

/** The model `ncomp eval` runs, as loaded. */
export interface EvalModel {
  /** The codec. */
  readonly model: ImageCodec;
  /** Its architecture name (written into each container). */
  readonly name: string;
  /** Its weights digest (written into each container). */
  readonly digest: Uint8Array;
}

/** What {@link runEval} measured. */
export interface EvalMeasurements {
  /** ncomp rows, and classical rows at the per-image bit rate ncomp reached (`matchedTo`). */
  readonly rows: EvalRow[];
  /** Classical rows over each codec's quality sweep (for BD-rate and the PSNR plot). */
  readonly sweep: EvalRow[];
}

/**
 * Measures every image of the plan, drawing a progress bar on `progress`. The classical
 * sweeps of an image run in sharp's thread pool while this thread runs the model.
 */
export async function runEval(plan: EvalPlan, loaded: EvalModel, progress: ProgressStream): Promise<EvalMeasurements> {
  const rows: EvalRow[] = [];
  const sweep: EvalRow[] = [];
  const { codecs, qualities } = plan;
  const work = plan.paths.length * (qualities.length * (1 + codecs.length) + codecs.reduce((n, c) => n + SWEEP[c].length, 0));
  const bar = new ProgressBar({ total: work, label: 'eval', stream: progress });
  try {
    for (const p of plan.paths) {
      const image = await readImage(p);
      const label = basename(p);
      const sweeps = new Map(
        codecs.map((codec) => [
          codec,
          classicalAtQualities(image, codec, SWEEP[codec]).then((rs) => {
            bar.tick(rs.length, `${label} ${codec} sweep`);
            return rs;
          }),
        ]),
      );
      const modelRows: EvalRow[] = [];
      for (const q of qualities) {
        modelRows.push(...(await ncompRows(plan, loaded, image, label, q)));
        bar.tick(1, `${label} q${q} ${modelRows.at(-1)!.bpp.toFixed(3)} bpp`);
      }
      rows.push(...modelRows);
      for (const codec of codecs) {
        const results = await sweeps.get(codec)!;
        sweep.push(...results.map((r) => sweepRow(image, label, r)));
        for (const mine of modelRows.filter((r) => r.control === undefined || r.control === plan.primary)) {
          rows.push(await matchedRow(plan, image, label, codec, results, mine));
          bar.tick(1, `${label} ${codec} at ${mine.bpp.toFixed(3)} bpp`);
        }
      }
    }
  } finally {
    bar.done();
  }
  return { rows, sweep };
}

/** One compress to container bytes, one entropy decode, one synthesis per control value: a row per value. */
async function ncompRows(plan: EvalPlan, { model, name, digest }: EvalModel, image: DecodedImage, label: string, q: number): Promise<EvalRow[]> {
  const t0 = performance.now();
  const x = tf.tensor4d(image.rgb, [1, image.height, image.width, 3]);
  let c;
  try {
    c = await model.compress(x, q);
  } finally {
    x.dispose();
  }
  const header = {
    modelName: name,
    weightsDigest: digest,
    width: image.width,
    height: image.height,
    paddedWidth: c.paddedWidth,
    paddedHeight: c.paddedHeight,
    channels: 'rgb' as const,
    bitDepth: 8 as const,
    quality: q,
    extras: {},
  };
  const bytes = encodeContainer({ header, streams: c.streams });
  const t1 = performance.now();
  const back = decodeContainer(bytes);
  checkContainerModel(back.header, name, digest);
  const ys = await model.decompressAt({ ...back.header, streams: back.streams }, plan.controls);
  const recs = (await Promise.all(ys.map((y) => y.data()))) as Float32Array[];
  tf.dispose(ys);
  // One entropy decode for all control values: its time is shared out among them.
  const decodeMs = (performance.now() - t1) / recs.length;
  const bpp = (bytes.length * 8) / (image.width * image.height);
  const rows: EvalRow[] = [];
  for (const [i, rec] of recs.entries()) {
    const control = plan.controls[i];
    rows.push({
      image: label,
      codec: 'ncomp',
      quality: q,
      ...(control === undefined ? {} : { control }),
      bytes: bytes.length,
      bpp,
      psnr: psnr8(image.rgb, rec),
      msssim: await msssimOf(image, rec),
      ...(plan.lpips ? { lpips: await lpipsOf(plan.lpips, image, rec) } : {}),
      encodeMs: t1 - t0,
      decodeMs,
    });
  }
  return rows;
}

/** A classical sweep point: PSNR only (MS-SSIM and timings are not measured on sweeps). */
function sweepRow(image: DecodedImage, label: string, r: ClassicalResult): EvalRow {
  return {
    image: label,
    codec: r.codec,
    quality: r.quality,
    bytes: r.bytes.length,
    bpp: r.bpp,
    psnr: psnr8(image.rgb, r.reconstruction),
    msssim: Number.NaN,
    encodeMs: Number.NaN,
    decodeMs: Number.NaN,
  };
}

/** The classical codec at the bit rate of the ncomp row `mine`, decoded again (timed). */
async function matchedRow(
  plan: EvalPlan,
  image: DecodedImage,
  label: string,
  codec: ClassicalCodec,
  results: readonly ClassicalResult[],
  mine: EvalRow,
): Promise<EvalRow> {
  const m = await matchOnSweep(image, codec, results, mine.bpp);
  const t3 = performance.now();
  const recC = await decodeClassical(m.bytes);
  const t4 = performance.now();
  return {
    image: label,
    codec,
    quality: m.quality,
    bytes: m.bytes.length,
    bpp: m.bpp,
    psnr: psnr8(image.rgb, recC),
    msssim: await msssimOf(image, recC),
    ...(plan.lpips ? { lpips: await lpipsOf(plan.lpips, image, recC) } : {}),
    encodeMs: Number.NaN,
    decodeMs: t4 - t3,
    matchedTo: mine.quality,
  };
}
