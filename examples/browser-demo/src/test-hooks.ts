/**
 * What the browser test reads from the page (`window.ncompDemo`): when start-up settled,
 * the last decoded image's bytes (base64, 8-bit RGB), and the active backend.
 */
import type { BackendDescription } from '@ncomp/core';
import type { Decoded } from './codec.js';

/** The hooks, as the page installs them. */
export interface TestHooks {
  /** Settles when the backend is chosen and the model loaded (or start-up failed: see `#status`). */
  readonly started: Promise<void>;
  /** The last image decoded, or undefined. */
  readonly lastDecoded: () => Decoded | undefined;
  /** The active backend. */
  readonly backend: () => BackendDescription;
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Installs `window.ncompDemo`. */
export function installTestHooks(hooks: TestHooks): void {
  (globalThis as { ncompDemo?: unknown }).ncompDemo = {
    started: hooks.started,
    backend: hooks.backend,
    lastDecoded: () => {
      const d = hooks.lastDecoded();
      return d === undefined ? undefined : { width: d.image.width, height: d.image.height, ms: d.ms, rgbBase64: base64(d.image.data) };
    },
  };
}
