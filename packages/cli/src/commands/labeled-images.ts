import { InvalidArgumentError, errorCode } from '@ncomp/core';
import type { LabeledImage, LabelMap } from '@ncomp/models';
import { access } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import sharp from 'sharp';
import { listImages, readRgb8 } from './training-images.js';

/**
 * Reads a label map: an 8-bit grayscale PNG whose pixel values are the classes (a file
 * stored as RGB with R = G = B at every pixel is read the same way). Colour and palette maps
 * are refused: their values are colours, not classes.
 * @throws InvalidArgumentError for a map that is not grayscale 8-bit.
 */
export async function readLabelMap(path: string): Promise<LabelMap> {
  // Raw output converts 16-bit files to 8 bits, which would change the classes: refuse them.
  const { depth } = await sharp(path).metadata();
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const c = info.channels;
  const grey = depth === 'uchar' && data.byteLength === n * c && (c === 1 || ((c === 3 || c === 4) && isGrey(data, c, n)));
  if (!grey)
    throw new InvalidArgumentError(
      `${path}: a label map must be an 8-bit grayscale PNG (pixel value = class), found ${c} channels of ${String(depth)}${c > 1 ? ' that differ' : ''}`,
    );
  const classes = c === 1 ? new Uint8Array(data.buffer, data.byteOffset, n) : Uint8Array.from({ length: n }, (_, i) => data[i * c]!);
  return { classes, width: info.width, height: info.height, name: path };
}

/** Whether every pixel of interleaved 8-bit data has equal first three channels. */
function isGrey(data: Uint8Array, channels: number, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    if (data[o] !== data[o + 1] || data[o] !== data[o + 2]) return false;
  }
  return true;
}

/**
 * The images of `folders` with their label maps from `labels`: for the image `rel/name.ext`
 * of a folder, the map `labels/rel/name.png`.
 * @throws InvalidArgumentError naming the first image without a label map, or when the
 *   folders hold no images.
 */
export async function readLabeledFolder(folders: readonly string[], labels: string): Promise<LabeledImage[]> {
  const pairs: LabeledImage[] = [];
  for (const folder of folders) {
    const images = await listImages(folder);
    for (const path of images) {
      const rel = images.length === 1 && path === folder ? basename(path) : relative(folder, path);
      const labelPath = join(labels, dirname(rel), `${basename(rel, extname(rel))}.png`);
      try {
        await access(labelPath);
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') throw err;
        throw new InvalidArgumentError(`--labels: no label map ${labelPath} for ${path}`, { cause: err });
      }
      pairs.push({ image: await readRgb8(path), labels: await readLabelMap(labelPath) });
    }
  }
  if (pairs.length === 0) throw new InvalidArgumentError(`no images found in ${folders.join(', ')} (training set)`);
  return pairs;
}
