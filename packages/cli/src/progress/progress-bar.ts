/**
 * A progress indicator for long work (compressing folders, evaluating, training).
 */
import { InvalidArgumentError } from '@ncomp/core';
import { ansiAllowed } from './ansi.js';

/** Where a {@link ProgressBar} writes: `process.stderr` or anything with `write`. */
export interface ProgressStream {
  /** Writes text. */
  write(text: string): unknown;
  /** Whether the stream is an interactive terminal (redrawn bar) or not (plain lines). */
  readonly isTTY?: boolean | undefined;
  /** Terminal width in characters, if known; longer lines are cut to fit. */
  readonly columns?: number | undefined;
  /**
   * Whether ANSI escape codes may be written to it (a terminal only); default: unless
   * `NO_COLOR` is set or `TERM` is `dumb` ({@link ansiAllowed}).
   */
  readonly ansi?: boolean | undefined;
}

/** Options of a {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Number of work items (≥ 0). */
  readonly total: number;
  /** What is being done, printed first (e.g. `compress`). */
  readonly label: string;
  /** Where to write. Default `process.stderr`. */
  readonly stream?: ProgressStream;
  /** Clock in milliseconds, for tests. Default `performance.now()`. */
  readonly now?: () => number;
}

/** Minimum time between redraws on a terminal, in milliseconds (about 10 per second). */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/**
 * Progress of `total` work items, written to a stream (stderr by default).
 *
 * On a terminal (`stream.isTTY`) one line is redrawn in place with `\r`:
 * `label [██████░░░░] 12/40  30% 2.5/s ETA 0:11 info`, at most about 10 times a second
 * (and always on completion), cut to the terminal width; the rest of a longer previous line
 * is cleared with `ESC[K`, or overwritten with spaces when escape codes are not allowed
 * (`stream.ansi`, `NO_COLOR`). Elsewhere (CI logs, files) a
 * plain line is written each time another 10 % is completed, and one at the end, so logs
 * stay short. {@link ProgressBar.done} finishes the output; the bar does nothing after it.
 */
export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly start: number;
  private count = 0;
  private info = '';
  private lastDraw = -Infinity;
  private drawnCount = -1;
  private lastDecile = 0;
  private finished = false;
  /** Characters of the line last drawn on a terminal (what spaces must cover without ESC[K). */
  private drawnWidth = 0;

  /**
   * @param options - Total, label, and optionally the stream and clock.
   * @throws InvalidArgumentError when `total` is negative or not finite.
   */
  constructor(options: ProgressBarOptions) {
    if (!Number.isFinite(options.total) || options.total < 0)
      throw new InvalidArgumentError(`progress total must be a finite number ≥ 0, found ${options.total}`);
    this.total = options.total;
    this.label = options.label;
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
  }

  /**
   * Records `n` more completed items and redraws if it is time to.
   *
   * @param n - Items completed since the last call (default 1, ≥ 0).
   * @param info - Text shown after the numbers (e.g. the current file); kept until replaced.
   * @throws InvalidArgumentError when `n` is negative or not finite.
   */
  tick(n = 1, info?: string): void {
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`progress step must be a finite number ≥ 0, found ${n}`);
    if (this.finished) return;
    this.count += n;
    if (info !== undefined) this.info = info;
    // The first tick that completes the work is drawn at once; others at most every 100 ms.
    const justCompleted = this.count >= this.total && this.drawnCount < this.total;
    if (this.stream.isTTY === true) {
      const t = this.now();
      if (justCompleted || t - this.lastDraw >= REDRAW_MS) this.drawTty(t);
    } else {
      const decile = this.total > 0 ? Math.floor((Math.min(this.count, this.total) * 10) / this.total) : 10;
      if (decile > this.lastDecile) {
        this.lastDecile = decile;
        this.writePlain();
      }
    }
  }

  /**
   * Finishes the output: draws the final state and ends the line on a terminal, or writes
   * the final plain line unless it was just written. Calling it again does nothing.
   */
  done(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.stream.isTTY === true) {
      this.drawTty(this.now());
      this.stream.write('\n');
    } else if (this.drawnCount !== this.count) {
      this.writePlain();
    }
  }

  private drawTty(t: number): void {
    this.lastDraw = t;
    this.drawnCount = this.count;
    const fraction = this.fraction();
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
    let line = `${this.label} ${bar} ${this.status(t)}`;
    const columns = this.stream.columns;
    if (columns !== undefined && columns > 1 && [...line].length > columns - 1) line = [...line].slice(0, columns - 1).join('');
    // \r returns to the line start; ESC[K (or spaces) clears what a longer previous line left behind.
    const width = [...line].length;
    const clear = (this.stream.ansi ?? ansiAllowed()) ? '\u001b[K' : ' '.repeat(Math.max(0, this.drawnWidth - width));
    this.drawnWidth = width;
    this.stream.write(`\r${line}${clear}`);
  }

  private writePlain(): void {
    this.drawnCount = this.count;
    this.stream.write(`${this.label}: ${this.status(this.now())}\n`);
  }

  private fraction(): number {
    return this.total > 0 ? Math.min(1, this.count / this.total) : 1;
  }

  /** `12/40  30% 2.5/s ETA 0:11 info` */
  private status(t: number): string {
    const parts = [`${formatCount(this.count)}/${formatCount(this.total)}`, `${Math.floor(this.fraction() * 100)}%`.padStart(4)];
    const seconds = (t - this.start) / 1000;
    if (seconds > 0 && this.count > 0) {
      const rate = this.count / seconds;
      parts.push(`${formatRate(rate)}/s`);
      if (this.count < this.total) parts.push(`ETA ${formatDuration((this.total - this.count) / rate)}`);
      else parts.push(`in ${formatDuration(seconds)}`);
    }
    if (this.info) parts.push(this.info);
    return parts.join(' ');
  }
}

function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate >= 0.01 ? rate.toFixed(2) : rate.toExponential(1);
}

/** `m:ss` or `h:mm:ss`. */
function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
