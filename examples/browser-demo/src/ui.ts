/** Small DOM helpers of the demo page: element lookup and the status line with its progress bar. */

/** The element with this id; throws when the page lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** Reports progress: `done` of `total` units (undefined total: unknown, an indeterminate bar). */
export type Progress = (done: number, total: number | undefined) => void;

/**
 * The status line: what runs now (with a progress bar, indeterminate unless the work
 * reports steps, and the elapsed seconds), what finished, or what failed. Its
 * `data-state` (`busy`, `done`, `error`) lets a test wait for the outcome.
 */
export class Status {
  readonly #line = byId('status');
  readonly #text = byId('status-text');
  readonly #bar = byId<HTMLProgressElement>('progress');

  /** Runs `fn`, showing `label`, a progress bar and the elapsed time until it settles. */
  async work<T>(label: string, fn: (progress: Progress) => Promise<T>): Promise<T> {
    const t0 = performance.now();
    let detail = '';
    const show = (): void => void (this.#text.textContent = `${label} ${((performance.now() - t0) / 1000).toFixed(1)} s${detail}`);
    this.#line.dataset['state'] = 'busy';
    this.#bar.hidden = false;
    this.#bar.removeAttribute('value');
    const timer = setInterval(show, 100);
    show();
    // Let the browser paint the status before work that may hold the main thread.
    await new Promise((resolve) => setTimeout(resolve, 0));
    try {
      return await fn((done, total) => {
        if (total !== undefined && total > 0) {
          this.#bar.max = total;
          this.#bar.value = done;
          detail = total > 1000 ? ` (${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB)` : ` (${done} of ${total})`;
        } else {
          detail = ` (${(done / 1e6).toFixed(1)} MB)`;
        }
      });
    } finally {
      clearInterval(timer);
      this.#bar.hidden = true;
    }
  }

  /** Shows a finished state. */
  done(text: string): void {
    this.#line.dataset['state'] = 'done';
    this.#text.textContent = text;
  }

  /**
   * Runs `fn`, showing its error (class and message) instead of throwing. The state is
   * `busy` from the call on (before `fn`'s first await), so that whoever started it can
   * wait for the outcome.
   */
  async guard(fn: () => Promise<void>): Promise<void> {
    this.#line.dataset['state'] = 'busy';
    try {
      await fn();
    } catch (err) {
      this.#line.dataset['state'] = 'error';
      this.#bar.hidden = true;
      this.#text.textContent = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      console.error(err);
    }
  }
}
