/**
 * The portable-bitstream guarantee, tested as a matrix: every registry model (small
 * configurations; the trained default model), every quality and decode-time control
 * value, on crops of real photographs, compressed on one stock TF.js backend and decoded
 * on the other. The decoder must rebuild exactly the encoder's table indexes and symbols
 * (the file's check stream holds their digests, so an intact decode proves it) and the
 * latent bit for bit; images may differ by the backends' float rounding only.
 */
import { setBackend, type BackendChoice as Backend } from '@ncomp/core';
import {
  DEFAULT_MODEL_FILE,
  EGIC_SMALL_CONFIG,
  HIFIC_SMALL_CONFIG,
  MRIC_SMALL_CONFIG,
  createModel,
  loadModelFile,
  type CompressedImage,
  type ImageCodec,
  type ModelConfig,
} from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readImage } from '../image/read-image.js';

const KODAK = fileURLToPath(new URL('../../../../../shared/data/kodak/', import.meta.url));
const haveKodak = existsSync(KODAK);
if (!haveKodak) console.warn(`skipping the cross-backend matrix: ${KODAK} is absent (../shared/data beside the repository)`);

/** A crop of a Kodak photograph, [1, h, w, 3] in [0, 1]. */
async function crop(file: string, top: number, left: number, h: number, w: number): Promise<tf.Tensor4D> {
  const image = await readImage(join(KODAK, file));
  return tf.tidy(() => tf.slice(tf.tensor4d(image.rgb, [1, image.height, image.width, 3]), [0, top, left, 0], [1, h, w, 3]) as tf.Tensor4D);
}

/** The decoded latent of `c`, through the latent codec alone (what the check stream's digests vouch for). */
async function latentOf(model: ImageCodec, c: CompressedImage): Promise<Float32Array> {
  const d = model.downsampling;
  const logGain = model.gain ? await model.gain.exactLogGain(c.quality) : undefined;
  const y = await model.latentCodec.decompress([c.streams.slice(0, -1)], [c.paddedHeight / d, c.paddedWidth / d], logGain);
  try {
    return (await y.data()) as Float32Array;
  } finally {
    y.dispose();
  }
}

async function decodeAll(model: ImageCodec, c: CompressedImage, controls: readonly (number | undefined)[]): Promise<Float32Array[]> {
  const out = await model.decompressAt(c, controls);
  try {
    return (await Promise.all(out.map((o) => o.data()))) as Float32Array[];
  } finally {
    tf.dispose(out);
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

interface Case {
  readonly name: string;
  readonly make: () => Promise<ImageCodec>;
  readonly image: readonly [string, number, number, number, number];
}

const fresh = (name: string, config?: ModelConfig) => async (): Promise<ImageCodec> => {
  const m = createModel(name, config);
  m.update();
  return m;
};

const CASES: readonly Case[] = [
  { name: 'default (block-hyperprior, trained)', make: async () => (await loadModelFile(DEFAULT_MODEL_FILE)).model, image: ['kodim23.png', 100, 200, 120, 184] },
  { name: 'bls2017', make: fresh('bls2017', { N: 16, M: 12 }), image: ['kodim05.png', 40, 60, 64, 96] },
  { name: 'bmshj2018', make: fresh('bmshj2018', { N: 16, M: 12 }), image: ['kodim07.png', 200, 300, 64, 128] },
  { name: 'mbt2018-mean', make: fresh('mbt2018-mean', { N: 16, M: 12 }), image: ['kodim19.png', 30, 30, 128, 64] },
  { name: 'hific (small)', make: fresh('hific', HIFIC_SMALL_CONFIG), image: ['kodim01.png', 0, 0, 64, 64] },
  { name: 'mric (small)', make: fresh('mric', MRIC_SMALL_CONFIG), image: ['kodim13.png', 64, 64, 64, 128] },
  { name: 'egic-orp (small)', make: fresh('egic-orp', EGIC_SMALL_CONFIG), image: ['kodim21.png', 128, 64, 64, 64] },
];

const PAIRS: readonly (readonly [Backend, Backend])[] = [
  ['wasm', 'cpu'],
  ['cpu', 'wasm'],
];

afterAll(async () => {
  await setBackend('wasm');
});

describe.skipIf(!haveKodak)('portable bitstreams: compress on one backend, decode on another', () => {
  it.each(CASES)('$name: identical tables, symbols and latent; images within float rounding, at every quality and control', async ({ make, image }) => {
    await setBackend('wasm');
    const model = await make();
    const x = await crop(...image);
    const [lo, hi] = model.qualityRange;
    const qualities = hi > lo ? [...Array.from({ length: hi - lo + 1 }, (_, i) => lo + i), lo + 0.5] : [lo];
    const control = model.decodeControl;
    const controls = control ? [control.min, (control.min + control.max) / 2, control.max, undefined] : [undefined];
    try {
      for (const [from, to] of PAIRS) {
        for (const q of qualities) {
          await setBackend(from);
          const c = await model.compress(x, q);
          const latentFrom = await latentOf(model, c);
          const imagesFrom = await decodeAll(model, c, controls);
          await setBackend(to);
          const before = tf.memory().numTensors;
          // Any difference in a table index or a symbol would throw here (the check stream's digests).
          const latentTo = await latentOf(model, c);
          const imagesTo = await decodeAll(model, c, controls);
          expect(tf.memory().numTensors).toBe(before);
          expect(maxAbsDiff(latentTo, latentFrom), `latent ${from} -> ${to}, quality ${q}`).toBe(0);
          imagesTo.forEach((img, i) => {
            // The synthesis runs on each backend in float32: a few 1e-5 of the [0, 1] range.
            expect(maxAbsDiff(img, imagesFrom[i]!), `image ${from} -> ${to}, quality ${q}, control ${String(controls[i])}`).toBeLessThan(2e-3);
          });
        }
      }
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});
