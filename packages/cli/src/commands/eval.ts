import { InvalidArgumentError } from '@ncomp/core';
import type { CommandContext } from './context.js';
import { parseEvalOptions } from './eval-options.js';
import { evalReportLines, summarizeEval } from './eval-report.js';
import { evalResults, writeEvalResults } from './eval-results.js';
import { runEval } from './eval-run.js';
import type { EvalReport } from './json-reports.js';
import { chooseBackend, chooseModel } from './model-choice.js';

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
  --json                print one JSON document on stdout instead of the table: the
                        results (as results.json) and the table's rows (docs/cli.md)
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

/** `ncomp eval`: parses its options ({@link parseEvalOptions}), measures ({@link runEval}), reports ({@link summarizeEval}). */
export async function evalCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length === 0) throw new InvalidArgumentError('give a folder of images (e.g. ../shared/data/kodak)');
  await chooseBackend(ctx);
  const { model, name, digest, path } = await chooseModel(ctx);
  let plan;
  try {
    plan = await parseEvalOptions(ctx, model, name);
  } catch (err) {
    model.dispose();
    throw err;
  }
  const { control, controls, codecs, lpips } = plan;
  const controlText = control ? `; ${control.name} ${controls.join(', ')}` : '';
  ctx.log(
    `model: ${name} (${path}); ${plan.paths.length} images; qualities ${plan.qualities.join(', ')}${controlText}; classical: ${codecs.join(', ') || 'none'}${lpips ? '; LPIPS' : ''}`,
  );
  let measured;
  try {
    measured = await runEval(plan, { model, name, digest }, ctx.progress);
  } finally {
    model.dispose();
    lpips?.dispose();
  }
  const summary = summarizeEval(plan, measured);
  if (!ctx.json) for (const line of evalReportLines(plan, name, summary)) ctx.print(line);
  const results = evalResults(plan, { name, path }, measured, summary);
  let files: string[] | undefined;
  if (plan.outDir) {
    files = await writeEvalResults(plan.outDir, plan, results, summary, ctx.flag('force'));
    if (!ctx.json) ctx.print(`results in ${plan.outDir}: ${files.join(', ')}`);
  }
  if (ctx.json) {
    const report: EvalReport = {
      command: 'eval',
      ok: true,
      ...results,
      table: summary.table,
      ...(plan.outDir && files ? { out: { folder: plan.outDir, files } } : {}),
    };
    ctx.printJson(report);
  }
  return 0;
}
