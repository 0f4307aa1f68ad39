import { InvalidArgumentError, writeFileAtomic } from '@ncomp/core';
import { Lpips, msSsim } from '@ncomp/losses';
import type { DecodeControl } from '@ncomp/models';
import { checkContainerModel, decodeContainer, encodeContainer } from '@ncomp/models/container';
import * as tf from '@tensorflow/tfjs-core';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { classicalAtQualities, decodeClassical, type ClassicalCodec, type ClassicalResult } from '../baselines/index.js';
import { bdRate, controlTradeoffs, describeTradeoff, rdPlotSvg, toCsv } from '../eval/index.js';
import { readImage, type DecodedImage } from '../image/index.js';
import { ProgressBar } from '../progress/index.js';
import type { CommandContext } from './context.js';
import { chooseBackend, chooseModel } from './model-choice.js';
import { lpipsNetOf } from './lpips-option.js';
import { listImages } from './training-images.js';
import { controlOptionText, parseControlValue } from './decode-control-option.js';
import { parseDecimal } from './parse-number.js';

/** Help text of `ncomp eval`. */
export const EVAL_HELP = `ncomp eval — rate-distortion evaluation against JPEG, WebP and AVIF

Usage: ncomp eval <folder|image...> [options]

  --model <file|name>   model file or shipped model name, e.g. mric-small (default: the
                        default model)
  --qualities <list>    comma-separated rate levels (default: every level of the model)
  --beta <list>         MRIC models: realism weights to decode each bitstream at
                        (default 0,0.32,0.64,1.28,2.56); one compress, one decode per value
  --alpha <list>        EGIC-ORP models: residual weights, likewise (default 0,0.25,0.5,0.75,1)
  --lpips <file>        LPIPS weights (safetensors, e.g. ../shared/data/lpips/
                        lpips_alex_v0.1.safetensors): adds an LPIPS column
  --lpips-net <net>     alex | squeeze | vgg (default: from the file name)
  --codecs <list>       classical codecs to compare: jpeg,webp,avif (default all; "none" to skip)
  --limit <n>           only the first n images (sorted by name)
  --out <dir>           write results.json, results.csv, rd-psnr.svg, rd-msssim.svg here
  --force               replace existing result files
  --backend <b>         auto | tensorflow | webgpu | wasm | cpu

Every image is really compressed to a .ncomp byte string (container included) and
decoded again: bpp counts every byte. PSNR is on 8-bit RGB (mean over images), MS-SSIM
on RGB in [0, 1]. Classical codecs run through sharp (libjpeg-turbo/mozjpeg, libwebp,
libaom AVIF): per image at the bit rate ncomp reached (matched bpp, nearest integer
quality), and over a quality sweep for BD-rate (Bjøntegaard, cubic fit over the
overlapping PSNR range; negative = ncomp needs fewer bits). For models with a
decode-time control (beta, alpha) the table has a row per quality and value, all from
the same bitstream (the same bpp); classical codecs and BD-rate go beside the
control's default value (or the first one given when the default is not swept), and a
line per quality gives the trade-off between the smallest and largest value swept (the
distortion and the realistic end): PSNR and LPIPS from the same bitstream.`;

interface Row {
  image: string;
  codec: string;
  quality: number;
  /** The decode-time control value (beta / alpha) of an ncomp row, for models that have one. */
  control?: number;
  bytes: number;
  bpp: number;
  psnr: number;
  msssim: number;
  /** LPIPS distance (NaN without --lpips or for images too small for it). */
  lpips?: number;
  encodeMs: number;
  decodeMs: number;
  /** For classical rows at a matched rate: the ncomp quality they match. */
  matchedTo?: number;
}

/**
 * The classical result whose bpp is nearest `target`: the integer quality interpolated on
 * the sweep's log-bpp curve, and its neighbours, encoded (sweep results are reused).
 */
async function matchOnSweep(image: DecodedImage, codec: ClassicalCodec, sweepResults: readonly ClassicalResult[], target: number): Promise<ClassicalResult> {
  const pts = [...sweepResults].sort((a, b) => a.quality - b.quality);
  let q = pts[0]!.quality;
  if (target >= pts[pts.length - 1]!.bpp) q = pts[pts.length - 1]!.quality;
  else {
    for (let i = 0; i + 1 < pts.length; i++) {
      const a = pts[i]!;
      const b = pts[i + 1]!;
      if (target >= a.bpp && target <= b.bpp) {
        const t = b.bpp > a.bpp ? (Math.log(target) - Math.log(a.bpp)) / (Math.log(b.bpp) - Math.log(a.bpp)) : 0;
        q = Math.round(a.quality + t * (b.quality - a.quality));
        break;
      }
    }
  }
  const candidates = [q - 1, q, q + 1].filter((v) => v >= 1 && v <= 100);
  const found = new Map(pts.map((r) => [r.quality, r]));
  const missing = candidates.filter((v) => !found.has(v));
  for (const r of await classicalAtQualities(image, codec, missing)) found.set(r.quality, r);
  return candidates.map((v) => found.get(v)!).reduce((best, r) => (Math.abs(r.bpp - target) < Math.abs(best.bpp - target) ? r : best));
}

const CLASSICAL: readonly ClassicalCodec[] = ['jpeg', 'webp', 'avif'];
const SWEEP: Readonly<Record<ClassicalCodec, number[]>> = {
  jpeg: [5, 10, 20, 30, 45, 60, 75, 85, 92],
  webp: [5, 10, 20, 35, 50, 65, 80, 90],
  avif: [15, 30, 45, 60, 75, 88],
};

/** PSNR of 8-bit rounded `b` against the 8-bit source `a` (both in [0, 1]). */
function psnr8(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.round(a[i]! * 255) - Math.round(b[i]! * 255);
    s += d * d;
  }
  const mse = s / a.length;
  return mse === 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
}

/** Reads the first value of a scalar metric asynchronously (every backend) and disposes it. */
async function scalarOf(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0]!;
  } finally {
    t.dispose();
  }
}

/** `metric(source, reconstruction rounded to 8 bits)` as a tensor, both [1, H, W, 3]. */
function against8Bit(image: DecodedImage, rec: Float32Array, metric: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.tensor4d(image.rgb, [1, image.height, image.width, 3]);
    const b = tf.div(tf.round(tf.mul(tf.tensor4d(rec, [1, image.height, image.width, 3]), 255)), 255) as tf.Tensor4D;
    return metric(a, b);
  });
}

async function msssimOf(image: DecodedImage, rec: Float32Array): Promise<number> {
  if (Math.min(image.width, image.height) < 161) return Number.NaN;
  return scalarOf(against8Bit(image, rec, (a, b) => msSsim(a, b) as tf.Tensor));
}

async function lpipsOf(lpips: Lpips, image: DecodedImage, rec: Float32Array): Promise<number> {
  if (Math.min(image.width, image.height) < lpips.minimumSize) return Number.NaN;
  return scalarOf(against8Bit(image, rec, (a, b) => lpips.distance(a, b) as tf.Tensor));
}

/** The control values of `--beta` / `--alpha` (a list), the control's default sweep, or [undefined] without a control. */
function controlList(ctx: CommandContext, control: DecodeControl | undefined, modelName: string): (number | undefined)[] {
  const text = controlOptionText(ctx, control, modelName);
  if (!control) return [undefined];
  const values = text === undefined ? [...control.sweep] : text.split(',').map((t) => parseControlValue(t, control, `--${control.name}`));
  if (values.length === 0 || new Set(values).size !== values.length) throw new InvalidArgumentError(`--${control.name}: give distinct values, found ${text}`);
  return values;
}

/** `--lpips <file>` [`--lpips-net`]: the LPIPS model, or undefined. */
async function lpipsOption(ctx: CommandContext): Promise<Lpips | undefined> {
  const file = ctx.option('lpips');
  if (file === undefined) {
    if (ctx.option('lpips-net') !== undefined) throw new InvalidArgumentError('--lpips-net needs --lpips <weights file>');
    return undefined;
  }
  return Lpips.fromFile(file, lpipsNetOf(ctx, file));
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** `ncomp eval`. */
export async function evalCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length === 0) throw new InvalidArgumentError('give a folder of images (e.g. ../shared/data/kodak)');
  await chooseBackend(ctx);
  const { model, name, digest, path } = await chooseModel(ctx);
  const [lo, hi] = model.qualityRange;
  const qualities = (ctx.option('qualities') ?? Array.from({ length: hi - lo + 1 }, (_, i) => String(lo + i)).join(',')).split(',').map((s) => {
    const q = parseDecimal(s);
    if (q === undefined || !(q >= lo && q <= hi)) throw new InvalidArgumentError(`--qualities: ${s} is outside this model's range [${lo}, ${hi}]`);
    return q;
  });
  const codecsText = ctx.option('codecs') ?? 'jpeg,webp,avif';
  const codecs =
    codecsText === 'none'
      ? []
      : codecsText.split(',').map((c) => {
          if (!CLASSICAL.includes(c as ClassicalCodec)) throw new InvalidArgumentError(`--codecs: unknown codec "${c}" (jpeg, webp, avif, none)`);
          return c as ClassicalCodec;
        });
  let paths = (await Promise.all(ctx.positionals.map((p) => listImages(p)))).flat();
  const limit = ctx.option('limit');
  if (limit !== undefined) {
    const n = parseDecimal(limit);
    if (n === undefined || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--limit must be a positive integer, found "${limit}"`);
    paths = paths.slice(0, n);
  }
  if (paths.length === 0) throw new InvalidArgumentError(`no images in ${ctx.positionals.join(', ')}`);
  const outDir = ctx.option('out');
  const control = model.decodeControl;
  const controls = controlList(ctx, control, name);
  // The row classical codecs are matched beside and BD-rate uses: the control's default when swept, else the first value.
  const primary = control && controls.includes(control.defaultValue) ? control.defaultValue : controls[0];
  const lpips = await lpipsOption(ctx);
  const controlText = control ? `; ${control.name} ${controls.join(', ')}` : '';
  ctx.log(
    `model: ${name} (${path}); ${paths.length} images; qualities ${qualities.join(', ')}${controlText}; classical: ${codecs.join(', ') || 'none'}${lpips ? '; LPIPS' : ''}`,
  );

  const rows: Row[] = [];
  const sweep: Row[] = [];
  const work = paths.length * (qualities.length * (1 + codecs.length) + codecs.reduce((n, c) => n + SWEEP[c].length, 0));
  const bar = new ProgressBar({ total: work, label: 'eval', stream: ctx.progress });
  try {
    for (const p of paths) {
      const image = await readImage(p);
      const label = basename(p);
      // The classical sweeps run in sharp's thread pool while this thread runs the model.
      const sweeps = new Map(
        codecs.map((codec) => [
          codec,
          classicalAtQualities(image, codec, SWEEP[codec]).then((rs) => {
            bar.tick(rs.length, `${label} ${codec} sweep`);
            return rs;
          }),
        ]),
      );
      const modelRows: Row[] = [];
      for (const q of qualities) {
        const t0 = performance.now();
        const x = tf.tensor4d(image.rgb, [1, image.height, image.width, 3]);
        let c;
        try {
          c = await model.compress(x, q);
        } finally {
          x.dispose();
        }
        const bytes = encodeContainer({
          header: {
            modelName: name,
            weightsDigest: digest,
            width: image.width,
            height: image.height,
            paddedWidth: c.paddedWidth,
            paddedHeight: c.paddedHeight,
            channels: 'rgb',
            bitDepth: 8,
            quality: q,
            extras: {},
          },
          streams: c.streams,
        });
        const t1 = performance.now();
        const back = decodeContainer(bytes);
        checkContainerModel(back.header, name, digest);
        const ys = await model.decompressAt({ ...back.header, streams: back.streams }, controls);
        const recs = (await Promise.all(ys.map((y) => y.data()))) as Float32Array[];
        tf.dispose(ys);
        // One entropy decode for all control values: its time is shared out among them.
        const decodeMs = (performance.now() - t1) / recs.length;
        const bpp = (bytes.length * 8) / (image.width * image.height);
        for (const [i, rec] of recs.entries()) {
          const control = controls[i];
          modelRows.push({
            image: label,
            codec: 'ncomp',
            quality: q,
            ...(control === undefined ? {} : { control }),
            bytes: bytes.length,
            bpp,
            psnr: psnr8(image.rgb, rec),
            msssim: await msssimOf(image, rec),
            ...(lpips ? { lpips: await lpipsOf(lpips, image, rec) } : {}),
            encodeMs: t1 - t0,
            decodeMs,
          });
        }
        bar.tick(1, `${label} q${q} ${bpp.toFixed(3)} bpp`);
      }
      rows.push(...modelRows);
      for (const codec of codecs) {
        const results = await sweeps.get(codec)!;
        for (const r of results) {
          sweep.push({
            image: label,
            codec,
            quality: r.quality,
            bytes: r.bytes.length,
            bpp: r.bpp,
            psnr: psnr8(image.rgb, r.reconstruction),
            msssim: Number.NaN,
            encodeMs: Number.NaN,
            decodeMs: Number.NaN,
          });
        }
        for (const mine of modelRows.filter((r) => r.control === undefined || r.control === primary)) {
          const m = await matchOnSweep(image, codec, results, mine.bpp);
          const t3 = performance.now();
          const recC = await decodeClassical(m.bytes);
          const t4 = performance.now();
          rows.push({
            image: label,
            codec,
            quality: m.quality,
            bytes: m.bytes.length,
            bpp: m.bpp,
            psnr: psnr8(image.rgb, recC),
            msssim: await msssimOf(image, recC),
            ...(lpips ? { lpips: await lpipsOf(lpips, image, recC) } : {}),
            encodeMs: Number.NaN,
            decodeMs: t4 - t3,
            matchedTo: mine.quality,
          } as Row);
          bar.tick(1, `${label} ${codec} at ${mine.bpp.toFixed(3)} bpp`);
        }
      }
    }
  } finally {
    bar.done();
    model.dispose();
    lpips?.dispose();
  }

  // Mean curves: ncomp and matched-rate classical points per quality level; sweeps per quality.
  const curve = (rs: Row[], key: (r: Row) => string): { bpp: number; psnr: number; msssim: number; label: string }[] => {
    const groups = new Map<string, Row[]>();
    for (const r of rs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
    return [...groups.entries()]
      .map(([label, g]) => ({ label, bpp: mean(g.map((r) => r.bpp)), psnr: mean(g.map((r) => r.psnr)), msssim: mean(g.map((r) => r.msssim)) }))
      .sort((a, b) => a.bpp - b.bpp);
  };
  const ours = curve(
    rows.filter((r) => r.codec === 'ncomp' && (r.control === undefined || r.control === primary)),
    (r) => String(r.quality),
  );
  ctx.print(
    `\n${name} on ${paths.length} images (mean over images; classical codecs at the matched per-image bit rate${control ? `, beside the ${control.name} ${primary} row; BD-rate on it` : ''}):`,
  );
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
  ctx.print(header.map((h, i) => h.padStart(widths[i]!)).join(''));
  for (const q of qualities) {
    controls.forEach((v) => {
      const mine = rows.filter((r) => r.codec === 'ncomp' && r.quality === q && r.control === v);
      const cells = [
        String(q),
        ...(control ? [String(v)] : []),
        mean(mine.map((r) => r.bpp)).toFixed(4),
        mean(mine.map((r) => r.psnr)).toFixed(2),
        mean(mine.map((r) => r.msssim)).toFixed(4),
      ];
      if (lpips) cells.push(mean(mine.map((r) => r.lpips ?? Number.NaN)).toFixed(4));
      cells.push(mean(mine.map((r) => r.encodeMs)).toFixed(0), mean(mine.map((r) => r.decodeMs)).toFixed(0));
      for (const codec of codecs) {
        const matched = v === primary ? rows.filter((r) => r.codec === codec && r.matchedTo === q) : [];
        cells.push(
          ...(matched.length > 0
            ? [
                mean(matched.map((r) => r.bpp)).toFixed(4),
                mean(matched.map((r) => r.psnr)).toFixed(2),
                ...(lpips ? [mean(matched.map((r) => r.lpips ?? Number.NaN)).toFixed(4)] : []),
              ]
            : new Array<string>(lpips ? 3 : 2).fill('')),
        );
      }
      ctx.print(
        cells
          .map((c, k) => c.padStart(widths[k]!))
          .join('')
          .trimEnd(),
      );
    });
  }
  // The distortion-realism trade-off from each bitstream: the control's two ends.
  const tradeoffs = control ? controlTradeoffs(rows.filter((r) => r.codec === 'ncomp')) : [];
  for (const t of tradeoffs) ctx.print(describeTradeoff(t, control!.name));
  const bd: Record<string, number | string> = {};
  for (const codec of codecs) {
    const theirs = curve(
      sweep.filter((r) => r.codec === codec),
      (r) => String(r.quality),
    );
    try {
      bd[codec] = bdRate(theirs, ours);
      ctx.print(`BD-rate vs ${codec.toUpperCase()} (PSNR): ${(bd[codec] as number).toFixed(1)} %`);
    } catch (err) {
      bd[codec] = (err as Error).message;
      ctx.print(`BD-rate vs ${codec.toUpperCase()}: not computable (${(err as Error).message})`);
    }
  }
  if (outDir) {
    await mkdir(outDir, { recursive: true });
    const opts = { overwrite: ctx.flag('force'), overwriteHint: 'pass --force to replace it' };
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    await writeFileAtomic(
      join(outDir, 'results.json'),
      enc(
        `${JSON.stringify({ model: name, modelFile: path, images: paths, qualities, ...(control ? { control: control.name, controlValues: controls, tradeoffs } : {}), rows, sweep, bdRate: bd }, null, 2)}\n`,
      ),
      opts,
    );
    await writeFileAtomic(
      join(outDir, 'results.csv'),
      enc(toCsv([...rows, ...sweep.map((r) => ({ ...r, codec: `${r.codec}-sweep` }))] as unknown as Record<string, string | number>[])),
      opts,
    );
    // PSNR: classical curves from the quality sweeps; MS-SSIM: from the matched-rate points.
    const series = (metric: 'psnr' | 'msssim') => [
      { name: `ncomp ${name}`, points: ours.map((p) => ({ bpp: p.bpp, value: p[metric] })) },
      ...codecs.map((codec) => ({
        name: codec.toUpperCase(),
        points: (metric === 'psnr'
          ? curve(
              sweep.filter((r) => r.codec === codec),
              (r) => String(r.quality),
            )
          : curve(
              rows.filter((r) => r.codec === codec),
              (r) => String(r.matchedTo),
            )
        ).map((p) => ({ bpp: p.bpp, value: p[metric] })),
      })),
    ];
    await writeFileAtomic(
      join(outDir, 'rd-psnr.svg'),
      enc(rdPlotSvg(series('psnr'), { title: `Rate-distortion on ${paths.length} images`, yLabel: 'PSNR (dB, RGB)', xLabel: 'bits per pixel' })),
      opts,
    );
    const msSeries = series('msssim').filter((s) => s.points.every((p) => Number.isFinite(p.value)));
    if (msSeries.length > 0) {
      await writeFileAtomic(
        join(outDir, 'rd-msssim.svg'),
        enc(rdPlotSvg(msSeries, { title: `MS-SSIM on ${paths.length} images`, yLabel: 'MS-SSIM (RGB)', xLabel: 'bits per pixel' })),
        opts,
      );
    }
    ctx.print(`results in ${outDir}: results.json, results.csv, rd-psnr.svg${msSeries.length > 0 ? ', rd-msssim.svg' : ''}`);
  }
  return 0;
}
