/**
 * Locating the repository's shared test data (`../shared/data` beside the repository
 * root) from test files, and loading images from it. Not part of the public API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodePng } from './png.js';

/** `<repo>/../shared/data`, computed from this file's location (packages/losses/src/testing). */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));

/**
 * The path of a shared data folder, or `undefined` (after logging why tests skip) when
 * it is absent.
 *
 * @param folder - Folder below `shared/data`, e.g. `lpips`.
 * @param what - What the skipped tests check, for the message.
 */
export function sharedDataFolder(folder: string, what: string): string | undefined {
  const dir = join(SHARED_DATA_DIR, folder);
  if (existsSync(dir)) return dir;
  console.warn(`skipping ${what}: ${dir} is absent (it lives in ../shared/data beside the repository)`);
  return undefined;
}

/**
 * Reads an 8-bit RGB (or RGBA, alpha dropped) PNG as a float32 tensor `[1, H, W, 3]` in
 * `[0, 1]` (byte / 255).
 */
export function readRgbPng(path: string): tf.Tensor4D {
  const png = decodePng(readFileSync(path));
  if (png.channels !== 3 && png.channels !== 4) throw new Error(`${path}: expected an RGB(A) PNG, found ${png.channels} channels`);
  const rgb = new Float32Array(png.width * png.height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += png.channels) {
    rgb[i] = png.data[j]! / 255;
    rgb[i + 1] = png.data[j + 1]! / 255;
    rgb[i + 2] = png.data[j + 2]! / 255;
  }
  return tf.tensor4d(rgb, [1, png.height, png.width, 3]);
}
