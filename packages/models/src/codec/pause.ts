/**
 * Turns for the event loop during long coding work: compressing or decompressing a large
 * image runs for minutes in one JavaScript task unless it yields, and while it does not,
 * nothing else runs (a SIGINT / SIGTERM listener, a timer, a browser's UI). The tiled
 * transforms and the banded entropy coding call a {@link Pacer} between tiles, windows
 * and rows of symbols.
 */

/** Most milliseconds a {@link Pacer} lets pass between turns of the event loop. */
export const PAUSE_EVERY_MS = 100;

/**
 * Resolves after the event loop has had a turn (`setImmediate` where it exists, else a
 * zero timeout), so that signal listeners, timers and I/O callbacks run.
 * @throws The abort reason of `signal` (a DOMException `AbortError` by default) when it
 *   is aborted, before or after the turn.
 */
export async function pause(signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  await new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
  signal?.throwIfAborted();
}

/**
 * Calls {@link pause} at most every {@link PAUSE_EVERY_MS} milliseconds: call
 * {@link Pacer.tick} as often as convenient (every tile, every row of symbols), and the
 * event loop gets a turn a few times a second at the cost of a clock read per call.
 */
export class Pacer {
  private last = performance.now();

  /** @param signal - Aborts the work: {@link Pacer.tick} throws its reason at the next turn. */
  constructor(readonly signal?: AbortSignal) {}

  /**
   * Gives the event loop a turn when {@link PAUSE_EVERY_MS} have passed since the last.
   * @throws The abort reason of the signal when it is aborted (checked at every call).
   */
  async tick(): Promise<void> {
    this.signal?.throwIfAborted();
    if (performance.now() - this.last < PAUSE_EVERY_MS) return;
    await pause(this.signal);
    this.last = performance.now();
  }
}
