import { InvalidArgumentError } from '@ncomp/core';
import type { RgbImage } from '@ncomp/models';
import type { CommandContext } from './context.js';
import { listImages, readRgb8 } from './training-images.js';
import { parseDecimal } from './parse-number.js';

/**
 * A numeric option, or `fallback` when it is absent.
 * @throws InvalidArgumentError when it is not a finite number.
 */
export function numberOption(ctx: CommandContext, name: string, fallback: number): number {
  const v = ctx.option(name);
  if (v === undefined) return fallback;
  const n = parseDecimal(v);
  if (n === undefined) throw new InvalidArgumentError(`--${name} must be a number, found "${v}"`);
  return n;
}

/**
 * `--config <json>` parsed as JSON (not yet checked against a model), or undefined when absent.
 * @throws InvalidArgumentError when it is not JSON.
 */
export function configJson(ctx: CommandContext): unknown {
  const text = ctx.option('config');
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidArgumentError(`--config is not JSON: ${text}`, { cause: err });
  }
}

/**
 * Every image of the folders, as 8-bit RGB.
 * @param what - What they are for, in the log line and the error.
 * @throws InvalidArgumentError when the folders hold no images.
 */
export async function loadFolderImages(ctx: CommandContext, folders: readonly string[], what: string): Promise<RgbImage[]> {
  const paths = (await Promise.all(folders.map((f) => listImages(f)))).flat();
  if (paths.length === 0) throw new InvalidArgumentError(`no images found in ${folders.join(', ')} (${what})`);
  const images: RgbImage[] = [];
  for (const p of paths) images.push(await readRgb8(p));
  ctx.log(`${what}: ${images.length} images from ${folders.join(', ')}`);
  return images;
}

/**
 * `--lr-multipliers <json>`: a JSON object of parameter-name prefix -> factor (finite, >= 0);
 * nothing when the option is absent.
 * @throws InvalidArgumentError when it is not such an object.
 */
export function multipliersOption(ctx: CommandContext): { learningRateMultipliers?: Record<string, number> } {
  const text = ctx.option('lr-multipliers');
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`--lr-multipliers is not JSON: ${text}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`--lr-multipliers must be a JSON object of prefix -> factor, found ${text}`);
  }
  const out: Record<string, number> = {};
  for (const [prefix, factor] of Object.entries(value)) {
    if (typeof factor !== 'number' || !(factor >= 0) || !Number.isFinite(factor)) {
      throw new InvalidArgumentError(`--lr-multipliers: the factor of "${prefix}" must be a finite number >= 0, found ${JSON.stringify(factor)}`);
    }
    out[prefix] = factor;
  }
  return { learningRateMultipliers: out };
}
