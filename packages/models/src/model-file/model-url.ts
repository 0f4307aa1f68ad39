/**
 * Model files from a URL (`fetch`): how a web page loads a model. Runs in Node.js too,
 * which has `fetch`.
 */
import { InvalidArgumentError, onReadableBackend } from '@ncomp/core';
import { loadModelBytes, type LoadedModel, type LoadModelOptions } from './model-file.js';

/** Options of {@link loadModelUrl}. */
export interface LoadModelUrlOptions extends LoadModelOptions {
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** Aborts the download. */
  readonly signal?: AbortSignal;
  /**
   * Called as the bytes arrive: `loaded` bytes so far and the `total` the server announced
   * (`Content-Length`; undefined when it announced none, e.g. for a compressed transfer).
   */
  readonly onProgress?: (loaded: number, total: number | undefined) => void;
}

/** Reads a response body chunk by chunk, reporting progress, into one array. */
async function readBody(response: Response, onProgress: LoadModelUrlOptions['onProgress']): Promise<Uint8Array> {
  const announced = Number(response.headers.get('content-length'));
  const total = Number.isSafeInteger(announced) && announced > 0 ? announced : undefined;
  if (response.body === null) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/**
 * Downloads a model file and loads it (see `loadModelBytes`), building the integer tables
 * on a backend that can read synchronously (`onReadableBackend`), so it works under
 * WebGPU too. The model's digest is the SHA-256 of the downloaded bytes, as in Node.js.
 *
 * @param url - Where the `.safetensors` model file is served (relative URLs resolve
 *   against the page, as `fetch` resolves them).
 * @param options - `fetch`, `signal`, `onProgress`, and `loadModelBytes`'s options.
 * @returns The loaded model; dispose `model` when done.
 * @throws InvalidArgumentError when the request fails or answers with an HTTP error (the
 *   message names the URL and the status); `loadModelBytes`'s errors for a file that is
 *   not an ncomp model.
 * @example
 * ```ts no-run
 * import { loadModelUrl } from '@ncomp/models';
 *
 * // In a page that serves the default model beside itself:
 * const { model, name } = await loadModelUrl('./default.safetensors', {
 *   onProgress: (loaded, total) => console.log(`${loaded} of ${total ?? '?'} bytes`),
 * });
 * console.log(name, model.qualityRange);
 * model.dispose();
 * ```
 */
export async function loadModelUrl(url: string | URL, options: LoadModelUrlOptions = {}): Promise<LoadedModel> {
  const href = String(url);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImpl(href, options.signal === undefined ? {} : { signal: options.signal });
  } catch (err) {
    throw new InvalidArgumentError(`cannot fetch the model file ${href}: ${(err as Error).message}; is it served at that address?`, { cause: err });
  }
  if (!response.ok) {
    throw new InvalidArgumentError(`cannot fetch the model file ${href}: HTTP ${response.status} ${response.statusText}; is it served at that address?`);
  }
  const bytes = await readBody(response, options.onProgress);
  return onReadableBackend(() => loadModelBytes(bytes, href, options));
}
