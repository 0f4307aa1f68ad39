/** Helpers of the `--json` documents of compress and decompress (see json-reports.ts for the documents). */
import { InvalidArgumentError } from '@ncomp/core';
import type { JobOutcome } from './batch.js';
import type { CommandContext } from './context.js';
import type { JsonFileFailure } from './json-reports.js';
import type { Job } from './output-plan.js';

/** A job's input and output as the documents name them: paths, or `-` for stdin / stdout. */
export function jobPaths(job: Job): { input: string; output: string } {
  return {
    input: job.source.kind === 'stdin' ? '-' : job.source.path,
    output: job.target.kind === 'stdout' ? '-' : job.target.path,
  };
}

/** The document entry of a failed job. */
export function jobFailureReport(o: JobOutcome<Job, unknown> & { ok: false }): JsonFileFailure {
  return { ...jobPaths(o.job), ok: false, error: o.error, exitCode: o.exitCode };
}

/**
 * `--json` and data on stdout (`-o -`, or stdin input) cannot share stdout.
 * @throws InvalidArgumentError when both are asked for.
 */
export function refuseJsonWithData(ctx: CommandContext, jobs: readonly Job[]): void {
  if (ctx.json && jobs.some((j) => j.target.kind === 'stdout'))
    throw new InvalidArgumentError('--json prints its document on stdout, which -o - (or stdin input) needs for the data; give -o <file>');
}
