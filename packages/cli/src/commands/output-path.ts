import { InvalidArgumentError } from '@ncomp/core';
import { basename, dirname, extname, join } from 'node:path';

/**
 * Output path for an input: `--output` (one input only), else `--out-dir/<stem><ext>`,
 * else beside the input as `<stem><ext>`.
 */
export function outputPathFor(input: string, ext: string, options: { output?: string | undefined; outDir?: string | undefined; count: number }): string {
  if (options.output !== undefined) {
    if (options.count !== 1) throw new InvalidArgumentError(`--output names one file, but ${options.count} inputs were given; use --out-dir`);
    return options.output;
  }
  const stem = basename(input, extname(input));
  return join(options.outDir ?? dirname(input), `${stem}${ext}`);
}
