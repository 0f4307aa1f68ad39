import { InvalidArgumentError, errorCode } from '@ncomp/core';
import type { RgbImage } from '@ncomp/models';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';

/** File name extensions (lower case) taken as images when a folder is listed. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.avif', '.bmp', '.gif']);

/** Image files in a folder (recursively) or a single file, sorted by path. */
export async function listImages(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new InvalidArgumentError(`no such file or folder: ${path}`, { cause: err });
    throw err;
  }
  if (info.isFile()) return [path];
  const out: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await listImages(p)));
    else if (IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(p);
  }
  return out.sort();
}

/** Decodes an image to 8-bit RGB (EXIF-rotated, alpha flattened onto white, sRGB). */
export async function readRgb8(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path)
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new InvalidArgumentError(`${path}: expected 3 channels after conversion, found ${info.channels}`);
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, name: path };
}
