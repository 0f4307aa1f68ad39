#!/usr/bin/env node
// Writes the golden .ncomp files of packages/cli/src/portability/golden: crops of Kodak
// photographs compressed with the shipped default model, with the PSNR of their decode
// against the crop. Every later version must decode them to the same PSNR (golden.test.ts).
// Run from the repository root after `npm run build`: `node scripts/make-golden.mjs`.
// Only rerun when the bitstream format changes on purpose (then say so in the changelog).
import { setBackend } from '@ncomp/core';
import { DEFAULT_MODEL_FILE, loadModelFile } from '@ncomp/models';
import { encodeContainer } from '@ncomp/models/container';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';

const OUT = new URL('../packages/cli/src/portability/golden/', import.meta.url);
const CASES = [
  { image: 'kodim23.png', top: 96, left: 256, height: 128, width: 192, quality: 0 },
  { image: 'kodim04.png', top: 300, left: 100, height: 120, width: 200, quality: 2 },
  { image: 'kodim14.png', top: 40, left: 500, height: 136, width: 176, quality: 4 },
  { image: 'kodim08.png', top: 200, left: 300, height: 96, width: 128, quality: 1.5 },
];

await setBackend('wasm');
const { model, name, digest } = await loadModelFile(DEFAULT_MODEL_FILE);
const table = [];
for (const c of CASES) {
  const { data } = await sharp(new URL(`../../shared/data/kodak/${c.image}`, import.meta.url).pathname)
    .extract({ left: c.left, top: c.top, width: c.width, height: c.height })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const x = tf.tidy(() => tf.div(tf.tensor4d(new Uint8Array(data), [1, c.height, c.width, 3], 'int32'), 255));
  const compressed = await model.compress(x, c.quality);
  const bytes = encodeContainer({
    header: {
      modelName: name,
      weightsDigest: digest,
      width: c.width,
      height: c.height,
      paddedWidth: compressed.paddedWidth,
      paddedHeight: compressed.paddedHeight,
      channels: 'rgb',
      bitDepth: 8,
      quality: c.quality,
      extras: {},
    },
    streams: compressed.streams,
  });
  const y = await model.decompress(compressed);
  const psnr = tf.tidy(() => {
    const mse = tf.mean(tf.squaredDifference(tf.round(tf.mul(y, 255)), tf.mul(x, 255))).dataSync()[0];
    return 10 * Math.log10((255 * 255) / mse);
  });
  tf.dispose([x, y]);
  const file = `${c.image.replace('.png', '')}-q${c.quality}.ncomp`;
  writeFileSync(new URL(file, OUT), bytes);
  table.push({ file, ...c, bytes: bytes.length, psnr: Number(psnr.toFixed(4)) });
  console.log(`${file}: ${bytes.length} bytes, PSNR ${psnr.toFixed(2)} dB`);
}
writeFileSync(new URL('golden.json', OUT), `${JSON.stringify({ model: 'default', format: 2, backend: 'wasm', files: table }, null, 2)}\n`);
