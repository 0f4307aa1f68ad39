/** Parsing `ncomp eval`'s arguments into what to evaluate (an {@link EvalPlan}). */
import { InvalidArgumentError } from '@ncomp/core';
import { Lpips } from '@ncomp/losses';
import type { DecodeControl } from '@ncomp/models';
import type { ClassicalCodec } from '../baselines/index.js';
import type { CommandContext } from './context.js';
import { controlOptionText, parseControlValue } from './decode-control-option.js';
import { lpipsNetOf } from './lpips-option.js';
import { parseDecimal } from './parse-number.js';
import { listImages } from './training-images.js';

/** The classical codecs `--codecs` may name. */
export const CLASSICAL: readonly ClassicalCodec[] = ['jpeg', 'webp', 'avif'];

/** Integer qualities of each classical codec's sweep (the curves BD-rate uses). */
export const SWEEP: Readonly<Record<ClassicalCodec, readonly number[]>> = {
  jpeg: [5, 10, 20, 30, 45, 60, 75, 85, 92],
  webp: [5, 10, 20, 35, 50, 65, 80, 90],
  avif: [15, 30, 45, 60, 75, 88],
};

/** What `ncomp eval` evaluates, from its arguments and the loaded model. */
export interface EvalPlan {
  /** The image files, sorted by path per argument, after `--limit`. */
  readonly paths: readonly string[];
  /** Rate levels (`--qualities`, default every integer level of the model). */
  readonly qualities: readonly number[];
  /** Classical codecs to compare (`--codecs`). */
  readonly codecs: readonly ClassicalCodec[];
  /** The model's decode-time control, if it has one. */
  readonly control: DecodeControl | undefined;
  /** Control values to decode each bitstream at (`[undefined]` without a control). */
  readonly controls: readonly (number | undefined)[];
  /** The row classical codecs are matched beside and BD-rate uses: the control's default when swept, else the first value. */
  readonly primary: number | undefined;
  /** The LPIPS model of `--lpips` (the caller disposes it), or undefined. */
  readonly lpips: Lpips | undefined;
  /** `--out`: the folder for result files, or undefined. */
  readonly outDir: string | undefined;
}

/**
 * Reads `ncomp eval`'s options and lists its images. The LPIPS weights are loaded last,
 * so that a usage error leaves nothing to dispose.
 * @param model - The loaded model's quality range and decode-time control.
 * @param modelName - Its architecture name (for messages).
 * @throws InvalidArgumentError for a bad option value or no images.
 */
export async function parseEvalOptions(
  ctx: CommandContext,
  model: { readonly qualityRange: readonly [number, number]; readonly decodeControl?: DecodeControl | undefined },
  modelName: string,
): Promise<EvalPlan> {
  const qualities = qualityList(ctx, model.qualityRange);
  const codecs = codecList(ctx);
  let paths = (await Promise.all(ctx.positionals.map((p) => listImages(p)))).flat();
  const limit = ctx.option('limit');
  if (limit !== undefined) {
    const n = parseDecimal(limit);
    if (n === undefined || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--limit must be a positive integer, found "${limit}"`);
    paths = paths.slice(0, n);
  }
  if (paths.length === 0) throw new InvalidArgumentError(`no images in ${ctx.positionals.join(', ')}`);
  const control = model.decodeControl;
  const controls = controlList(ctx, control, modelName);
  const primary = control && controls.includes(control.defaultValue) ? control.defaultValue : controls[0];
  const lpips = await lpipsOption(ctx);
  return { paths, qualities, codecs, control, controls, primary, lpips, outDir: ctx.option('out') };
}

/** `--qualities <list>`, each within the model's range; default every integer level. */
function qualityList(ctx: CommandContext, [lo, hi]: readonly [number, number]): number[] {
  const text = ctx.option('qualities') ?? Array.from({ length: hi - lo + 1 }, (_, i) => String(lo + i)).join(',');
  return text.split(',').map((s) => {
    const q = parseDecimal(s);
    if (q === undefined || !(q >= lo && q <= hi)) throw new InvalidArgumentError(`--qualities: ${s} is outside this model's range [${lo}, ${hi}]`);
    return q;
  });
}

/** `--codecs <list>` (default all; `none` for none). */
function codecList(ctx: CommandContext): ClassicalCodec[] {
  const text = ctx.option('codecs') ?? 'jpeg,webp,avif';
  if (text === 'none') return [];
  return text.split(',').map((c) => {
    if (!CLASSICAL.includes(c as ClassicalCodec)) throw new InvalidArgumentError(`--codecs: unknown codec "${c}" (jpeg, webp, avif, none)`);
    return c as ClassicalCodec;
  });
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
