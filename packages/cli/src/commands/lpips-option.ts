import { InvalidArgumentError } from '@ncomp/core';
import { LPIPS_NETS, type LpipsNet } from '@ncomp/losses';
import { basename } from 'node:path';
import type { CommandContext } from './context.js';

/**
 * The LPIPS backbone of the weights file given with `--lpips`: `--lpips-net`, else
 * `fallback` (e.g. the one a checkpoint recorded), else the net named in the file name.
 * @throws InvalidArgumentError when none of them names one, or `--lpips-net` is unknown.
 */
export function lpipsNetOf(ctx: CommandContext, file: string, fallback?: LpipsNet): LpipsNet {
  const named = LPIPS_NETS.find((n) => basename(file).toLowerCase().includes(n));
  const net = (ctx.option('lpips-net') ?? fallback ?? named) as LpipsNet | undefined;
  if (net === undefined)
    throw new InvalidArgumentError(`--lpips ${file}: cannot tell the backbone from the file name; pass --lpips-net ${LPIPS_NETS.join(' | ')}`);
  if (!LPIPS_NETS.includes(net)) throw new InvalidArgumentError(`--lpips-net must be one of ${LPIPS_NETS.join(', ')}, found "${net}"`);
  return net;
}
