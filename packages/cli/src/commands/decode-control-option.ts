import { InvalidArgumentError } from '@ncomp/core';
import type { DecodeControl } from '@ncomp/models';
import type { CommandContext } from './context.js';
import { parseDecimal } from './parse-number.js';

/** The decode-time control options the command line knows, and the models that have them. */
const CONTROL_OPTIONS: Readonly<Record<string, string>> = { beta: 'MRIC', alpha: 'EGIC-ORP' };

/**
 * The text of the `--beta` / `--alpha` option that belongs to a model's decode-time control
 * (see `ImageCodec.decodeControl`), unparsed.
 * @returns The text, or undefined when the option was not given.
 * @throws InvalidArgumentError for an option the model does not have.
 */
export function controlOptionText(ctx: CommandContext, control: DecodeControl | undefined, modelName: string): string | undefined {
  for (const [option, models] of Object.entries(CONTROL_OPTIONS)) {
    if (ctx.option(option) === undefined || control?.name === option) continue;
    const has = control ? `; it has --${control.name}` : '; it decodes one reconstruction per file';
    throw new InvalidArgumentError(`--${option} is for ${models} models; ${modelName} has no ${option}${has}`);
  }
  return control ? ctx.option(control.name) : undefined;
}

/**
 * Reads `--beta` / `--alpha` for a model's decode-time control.
 * @returns The value, or undefined when none was given (the model's default applies).
 * @throws InvalidArgumentError for an option the model does not have, a non-number, or a
 *   value outside the model's range.
 */
export function decodeControlOption(ctx: CommandContext, control: DecodeControl | undefined, modelName: string): number | undefined {
  const text = controlOptionText(ctx, control, modelName);
  return text === undefined ? undefined : parseControlValue(text, control!, `--${control!.name}`);
}

/**
 * Parses one control value.
 * @throws InvalidArgumentError for a non-number or a value outside [control.min, control.max].
 */
export function parseControlValue(text: string, control: DecodeControl, what: string): number {
  const v = parseDecimal(text);
  if (v === undefined) throw new InvalidArgumentError(`${what} must be a number, found "${text}"`);
  if (v < control.min || v > control.max)
    throw new InvalidArgumentError(`${what} must be in [${control.min}, ${control.max}] (${control.description}), found ${v}`);
  return v;
}
