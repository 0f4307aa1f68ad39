import { appendFile } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { onInterrupt } from '../signals.js';
import type { CommandContext } from './context.js';

/** What {@link runTrainingLoop} drives. */
export interface TrainingLoop<R extends { readonly step: number }> {
  /** The command's context (progress lines go to its log). */
  readonly ctx: CommandContext;
  /** Steps done when the loop starts. */
  readonly startStep: number;
  /** The step to stop at. */
  readonly steps: number;
  /** Steps between progress lines (and log records). */
  readonly logEvery: number;
  /** Steps between checkpoints. */
  readonly checkpointEvery: number;
  /** The JSON-lines log file. */
  readonly logPath: string;
  /** One training step (a promise for trainers whose steps run on other threads too). */
  trainStep(): R | Promise<R>;
  /** The numbers of a report to average over a logging window (null: not measured this step). */
  averaged(report: R): Readonly<Record<string, number | null>>;
  /** The middle of a progress line from the window means and the last report. */
  describe(means: Readonly<Record<string, number>>, last: R): string;
  /** Writes a checkpoint. */
  checkpoint(): Promise<void>;
  /** Something measured at each progress line besides the window means (appended to the line; its values go to the log). */
  note?(): Promise<{ readonly text: string; readonly values: Readonly<Record<string, number>> }>;
  /** Runs after every step (e.g. a periodic evaluation). */
  afterStep?(report: R): Promise<void>;
}

/**
 * Runs training steps until `steps` or an interrupt (SIGINT or SIGTERM: the current step
 * finishes and a checkpoint is written; a second signal aborts), printing progress lines (window
 * means, steps/s, ETA), appending them as JSON lines to the log and checkpointing
 * periodically and at the end.
 * @returns Whether it stopped because of an interrupt.
 */
export async function runTrainingLoop<R extends { readonly step: number }>(loop: TrainingLoop<R>): Promise<{ interrupted: boolean }> {
  const { ctx, steps, startStep } = loop;
  const started = performance.now();
  let sums = new Map<string, { sum: number; n: number }>();
  let stop = false;
  const release = onInterrupt(() => {
    stop = true;
    ctx.log('interrupt: finishing this step and writing a checkpoint (press again to abort)');
  });
  try {
    let step = startStep;
    while (step < steps && !stop) {
      const r = await loop.trainStep();
      step = r.step;
      for (const [k, v] of Object.entries(loop.averaged(r))) {
        if (v === null || !Number.isFinite(v)) continue;
        const s = sums.get(k) ?? { sum: 0, n: 0 };
        sums.set(k, { sum: s.sum + v, n: s.n + 1 });
      }
      if (r.step % loop.logEvery === 0 || r.step === steps) {
        const rate = (r.step - startStep) / ((performance.now() - started) / 1000);
        const means = Object.fromEntries([...sums].map(([k, s]) => [k, s.sum / s.n]));
        const note = await loop.note?.();
        ctx.log(
          `step ${r.step}/${steps}  ${loop.describe(means, r)}${note ? `  ${note.text}` : ''}  ${rate.toFixed(2)} steps/s  ETA ${formatDuration((steps - r.step) / rate)}`,
        );
        await appendFile(loop.logPath, `${JSON.stringify({ ...r, ...means, ...note?.values, time: new Date().toISOString() })}\n`);
        sums = new Map();
      }
      if (r.step % loop.checkpointEvery === 0) await loop.checkpoint();
      await loop.afterStep?.(r);
      // A synchronous step never yields, and signals are delivered by the event loop:
      // without this a Ctrl-C waited for the next file write (the next progress line).
      await yieldToEventLoop();
    }
  } finally {
    release();
  }
  await loop.checkpoint();
  return { interrupted: stop };
}

/** `1h02m`, `4m05s`, `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
