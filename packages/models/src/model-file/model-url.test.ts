import { InvalidArgumentError, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../zoo/registry.js';
import { loadModelBytes, modelFileBytes } from './model-file.js';
import { loadModelUrl } from './model-url.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const config = { N: 4, M: 4 };

/** A `fetch` that serves `bytes` at `url` in chunks (with or without a Content-Length), and 404 elsewhere. */
function serve(url: string, bytes: Uint8Array, withLength: boolean): (input: string) => Promise<Response> {
  return async (input) => {
    if (input !== url) return new Response('not here', { status: 404, statusText: 'Not Found' });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 1000) controller.enqueue(bytes.slice(at, at + 1000));
        controller.close();
      },
    });
    return new Response(body, { headers: withLength ? { 'content-length': String(bytes.length) } : {} });
  };
}

describe('loadModelUrl', () => {
  it('loads the model a URL serves, reporting progress, with the same digest as from bytes', async () => {
    const model = createModel('bls2017', config);
    const bytes = await modelFileBytes(model, 'bls2017', config);
    model.dispose();
    for (const withLength of [true, false]) {
      const seen: Array<[number, number | undefined]> = [];
      const before = tf.memory().numTensors;
      const loaded = await loadModelUrl('https://models.test/m.safetensors', {
        fetch: serve('https://models.test/m.safetensors', bytes, withLength),
        onProgress: (loaded, total) => seen.push([loaded, total]),
      });
      expect(loaded.name).toBe('bls2017');
      const fromBytes = loadModelBytes(bytes);
      expect(Array.from(loaded.digest)).toEqual(Array.from(fromBytes.digest));
      expect(seen.at(-1)).toEqual([bytes.length, withLength ? bytes.length : undefined]);
      expect(seen.length).toBe(Math.ceil(bytes.length / 1000));
      loaded.model.dispose();
      fromBytes.model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('refuses an HTTP error and an unreachable address, naming the URL', async () => {
    const fetch404 = serve('https://models.test/elsewhere', new Uint8Array(0), true);
    await expect(loadModelUrl('https://models.test/m.safetensors', { fetch: fetch404 })).rejects.toThrow(
      new InvalidArgumentError('cannot fetch the model file https://models.test/m.safetensors: HTTP 404 Not Found; is it served at that address?'),
    );
    const offline = async (): Promise<Response> => {
      throw new TypeError('fetch failed');
    };
    await expect(loadModelUrl('https://models.test/m.safetensors', { fetch: offline })).rejects.toThrow(/cannot fetch the model file .*: fetch failed/);
  });
});

describe('model digest', () => {
  it("is the first 16 bytes of the file's SHA-256 (pure TypeScript, checked against node:crypto)", async () => {
    const model = createModel('bls2017', config);
    const bytes = await modelFileBytes(model, 'bls2017', config);
    model.dispose();
    const loaded = loadModelBytes(bytes);
    const reference = createHash('sha256').update(bytes).digest().subarray(0, 16);
    expect(Buffer.from(loaded.digest).toString('hex')).toBe(reference.toString('hex'));
    loaded.model.dispose();
  });
});
