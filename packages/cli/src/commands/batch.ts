/**
 * Running `ncomp compress` / `decompress` / `info` over several inputs: each failure is reported on
 * stderr at once and the others still run; the exit code tells whether all succeeded.
 */
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from './context.js';
import { sourceName, targetName, type Job } from './output-plan.js';

/** What became of one job. */
export type JobOutcome<J, T> =
  { readonly job: J; readonly ok: true; readonly value: T } | { readonly job: J; readonly ok: false; readonly error: string; readonly exitCode: number };

/** The outcomes of a batch and its exit code. */
export interface BatchResult<J, T> {
  /** One outcome per job, in order. */
  readonly outcomes: readonly JobOutcome<J, T>[];
  /** 0 when every job succeeded; a single job's own code; 1 when any of several failed. */
  readonly exitCode: number;
}

/**
 * Runs `work` on each job in turn. A job that throws is reported on stderr (one line, as
 * `ncomp` reports a failed command; `--debug` adds the stack) and the next one runs.
 */
export async function runJobs<J, T>(ctx: CommandContext, jobs: readonly J[], work: (job: J) => Promise<T>): Promise<BatchResult<J, T>> {
  const outcomes: JobOutcome<J, T>[] = [];
  for (const job of jobs) {
    try {
      outcomes.push({ job, ok: true, value: await work(job) });
    } catch (err) {
      const { message, exitCode } = ctx.fail(err);
      outcomes.push({ job, ok: false, error: message, exitCode });
    }
  }
  const failed = outcomes.filter((o) => !o.ok);
  const exitCode = failed.length === 0 ? EXIT.ok : jobs.length === 1 ? (failed[0] as { exitCode: number }).exitCode : EXIT.failure;
  return { outcomes, exitCode };
}

/**
 * The summary line of a batch of several jobs (`3 inputs: 2 compressed, 1 failed (b.png)`).
 * @param name - A job's input name; default that of a {@link Job}.
 */
export function batchSummary<J>(outcomes: readonly JobOutcome<J, unknown>[], done: string, name?: (job: J) => string): string {
  const failed = outcomes.filter((o) => !o.ok);
  const nameOf = name ?? ((job: J) => sourceName((job as Job).source));
  const names = failed.slice(0, 5).map((o) => nameOf(o.job));
  const more = failed.length > 5 ? ', ...' : '';
  return `${outcomes.length} inputs: ${outcomes.length - failed.length} ${done}, ${failed.length} failed${failed.length > 0 ? ` (${names.join(', ')}${more})` : ''}`;
}

/** `input -> output` for a job's result line. */
export const jobArrow = (job: Job): string => `${sourceName(job.source)} -> ${targetName(job.target)}`;

/** The counts of a batch, for JSON documents. */
export function batchCounts(outcomes: readonly JobOutcome<unknown, unknown>[]): { inputs: number; succeeded: number; failed: number } {
  const failed = outcomes.filter((o) => !o.ok).length;
  return { inputs: outcomes.length, succeeded: outcomes.length - failed, failed };
}
