#!/usr/bin/env node
/**
 * realism-strip: one image compressed once and decoded at several values of the model's
 * decode-time control (MRIC's beta, EGIC-ORP's alpha), a crop of each beside the original's,
 * side by side in one PNG — the picture of the distortion-realism trade-off in the docs.
 *
 * Usage (after `npm run build`):
 *   node scripts/realism-strip.mjs --model <file|shipped name> --image <png> --out <png>
 *        [--values 0,0.64,1.28,2.56] [--crop x,y,size] [--scale 2]
 *
 * Prints the bpp of the one bitstream and the PSNR of each crop's full image.
 */
import { setBackend } from '@ncomp/core';
import { isShippedModelName, loadModelFile, shippedModelFile } from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values: opts } = parseArgs({
  options: {
    model: { type: 'string' },
    image: { type: 'string' },
    out: { type: 'string' },
    values: { type: 'string' },
    crop: { type: 'string' },
    scale: { type: 'string' },
  },
});
if (!opts.model || !opts.image || !opts.out) {
  console.error('usage: node scripts/realism-strip.mjs --model <file|name> --image <png> --out <png> [--values a,b,...] [--crop x,y,size] [--scale n]');
  process.exit(2);
}
await setBackend('wasm');
const path = existsSync(opts.model) || !isShippedModelName(opts.model) ? opts.model : shippedModelFile(opts.model);
const { model, name } = await loadModelFile(path);
const control = model.decodeControl;
if (!control) throw new Error(`${name} has no decode-time control (beta / alpha)`);
const values = (opts.values ?? control.sweep.join(',')).split(',').map(Number);
const { data, info } = await sharp(opts.image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const [cx, cy, size] = (opts.crop ?? `0,0,${Math.min(info.width, info.height, 192)}`).split(',').map(Number);
const scale = Number(opts.scale ?? 2);

const x = tf.tidy(() => tf.div(tf.tensor4d(new Uint8Array(data), [1, info.height, info.width, 3], 'int32'), 255));
const compressed = await model.compress(x);
const bytes = compressed.streams.reduce((a, s) => a + s.length, 0);
console.log(
  `${name}: ${((8 * bytes) / (info.width * info.height)).toFixed(3)} bpp (coded streams, without the container header), ${control.name} ${values.join(', ')}`,
);
const decoded = await model.decompressAt(compressed, values);
const tiles = [];
const crop = async (rgb, label) => {
  const tile = await sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } })
    .extract({ left: cx, top: cy, width: size, height: size })
    .resize(size * scale, size * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
  tiles.push({ tile, label });
};
await crop(Buffer.from(data), 'original');
for (const [i, xHat] of decoded.entries()) {
  const rgb = Buffer.from(tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(xHat, 0, 1), 255)), 'int32')).dataSync());
  const mse = rgb.reduce((a, v, k) => a + (v - data[k]) ** 2, 0) / rgb.length;
  console.log(`  ${control.name} ${values[i]}: PSNR ${(10 * Math.log10((255 * 255) / mse)).toFixed(2)} dB`);
  await crop(rgb, `${control.name} ${values[i]}`);
}
const side = size * scale;
const gap = 4;
const canvas = sharp({ create: { width: tiles.length * (side + gap) - gap, height: side + 24, channels: 3, background: '#ffffff' } });
const labels = tiles.map(({ label }, i) => ({
  input: Buffer.from(
    `<svg width="${side}" height="24"><text x="${side / 2}" y="17" font-family="sans-serif" font-size="14" text-anchor="middle">${label}</text></svg>`,
  ),
  left: i * (side + gap),
  top: side,
}));
await canvas
  .composite([...tiles.map(({ tile }, i) => ({ input: tile, left: i * (side + gap), top: 0 })), ...labels])
  .png()
  .toFile(opts.out);
console.log(`wrote ${opts.out}`);
tf.dispose([x, ...decoded]);
model.dispose();
