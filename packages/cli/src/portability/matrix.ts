/**
 * Test support for the portability tests: Kodak crops, the registry models at small size
 * (and the trained default model), and one compress-on-A / decode-on-B check. Not part of
 * the package's API (not exported from the index).
 */
import { setBackend, type BackendChoice } from '@ncomp/core';
import {
  DEFAULT_MODEL_FILE,
  EGIC_SMALL_CONFIG,
  HIFIC_SMALL_CONFIG,
  MRIC_SMALL_CONFIG,
  SeededRandom,
  createModel,
  loadModelFile,
  type CompressedImage,
  type ImageCodec,
  type ImageLimits,
  type ModelConfig,
} from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readImage } from '../image/read-image.js';

export const KODAK = fileURLToPath(new URL('../../../../../shared/data/kodak/', import.meta.url));
export const haveKodak = existsSync(KODAK);

/** A crop of a Kodak photograph, [1, h, w, 3] in [0, 1]. */
export async function crop(file: string, top: number, left: number, h: number, w: number): Promise<tf.Tensor4D> {
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

async function decodeAll(
  model: ImageCodec,
  c: CompressedImage,
  controls: readonly (number | undefined)[],
  limits: ImageLimits | undefined,
): Promise<Float32Array[]> {
  const out = await model.decompressAt(c, controls, limits);
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

export interface Case {
  readonly name: string;
  readonly make: () => Promise<ImageCodec>;
  readonly image: readonly [string, number, number, number, number];
}

/**
 * A registry model with weights drawn from a fixed seed (TF.js's initialisers seed
 * themselves from Math.random, which a seeded stream replaces while the model is built):
 * the backends' float differences depend on the weights, so every run checks the same ones.
 */
const fresh =
  (name: string, config?: ModelConfig, seed = 1) =>
  async (): Promise<ImageCodec> => {
    const rng = new SeededRandom(seed);
    const saved = Math.random;
    Math.random = () => rng.next();
    let m: ImageCodec;
    try {
      m = createModel(name, config);
    } finally {
      Math.random = saved;
    }
    await m.updateAsync();
    return m;
  };

export const CASES: readonly Case[] = [
  {
    name: 'default (block-hyperprior, trained)',
    make: async () => (await loadModelFile(DEFAULT_MODEL_FILE)).model,
    image: ['kodim23.png', 100, 200, 120, 184],
  },
  { name: 'bls2017', make: fresh('bls2017', { N: 16, M: 12 }), image: ['kodim05.png', 40, 60, 64, 96] },
  { name: 'bmshj2018', make: fresh('bmshj2018', { N: 16, M: 12 }), image: ['kodim07.png', 200, 300, 64, 128] },
  { name: 'mbt2018-mean', make: fresh('mbt2018-mean', { N: 16, M: 12 }), image: ['kodim19.png', 30, 30, 128, 64] },
  { name: 'hific (small)', make: fresh('hific', HIFIC_SMALL_CONFIG), image: ['kodim01.png', 0, 0, 64, 64] },
  { name: 'mric (small)', make: fresh('mric', MRIC_SMALL_CONFIG), image: ['kodim13.png', 64, 64, 64, 128] },
  { name: 'egic-orp (small)', make: fresh('egic-orp', EGIC_SMALL_CONFIG), image: ['kodim21.png', 128, 64, 64, 64] },
];

/** The qualities a model is checked at: every level and a fractional one, or its single rate. */
export function qualitiesOf(model: ImageCodec): number[] {
  const [lo, hi] = model.qualityRange;
  return hi > lo ? [...Array.from({ length: hi - lo + 1 }, (_, i) => lo + i), lo + 0.5] : [lo];
}

/** The decode-time control values a model is checked at: its range's ends, middle and default. */
export function controlsOf(model: ImageCodec): (number | undefined)[] {
  const control = model.decodeControl;
  return control ? [control.min, (control.min + control.max) / 2, control.max, undefined] : [undefined];
}

/**
 * Compresses `x` on `from` with `encoder`, decodes it there and, with `decoder`, on `to`:
 * the latent must be identical bit for bit (any different table index or symbol would
 * already throw, through the check stream's digests), the images within `tolerance` at
 * every control value, and nothing may leak on `to`. `encoder` and `decoder` hold the same
 * weights; they are two instances where one backend cannot read the other's tensors
 * synchronously (WebGPU in Node.js), else the same one. `limits` (e.g. a small `tile`, so that
 * g_a and g_s run in several tiles) apply to both sides.
 */
export async function expectPortable(
  encoder: ImageCodec,
  decoder: ImageCodec,
  x: tf.Tensor4D,
  from: BackendChoice,
  to: BackendChoice,
  quality: number,
  tolerance = 2e-3,
  limits?: ImageLimits,
): Promise<void> {
  const controls = controlsOf(encoder);
  await setBackend(from);
  const c = await encoder.compress(x, quality, limits);
  const latentFrom = await latentOf(encoder, c);
  const imagesFrom = await decodeAll(encoder, c, controls, limits);
  await setBackend(to);
  const before = tf.memory().numTensors;
  const latentTo = await latentOf(decoder, c);
  const imagesTo = await decodeAll(decoder, c, controls, limits);
  expect(tf.memory().numTensors).toBe(before);
  expect(maxAbsDiff(latentTo, latentFrom), `latent ${from} -> ${to}, quality ${quality}`).toBe(0);
  imagesTo.forEach((img, i) => {
    // The synthesis runs on each backend in float32: a few 1e-5 of the [0, 1] range.
    expect(maxAbsDiff(img, imagesFrom[i]!), `image ${from} -> ${to}, quality ${quality}, control ${String(controls[i])}`).toBeLessThan(tolerance);
  });
}

/** A second instance of `model` with its weights and tables (built on the current backend). */
export async function twinOf(make: () => Promise<ImageCodec>, model: ImageCodec): Promise<ImageCodec> {
  const copy = await make();
  const state = model.stateDict();
  try {
    copy.loadStateDict(state);
  } finally {
    tf.dispose(Object.values(state));
  }
  return copy;
}
