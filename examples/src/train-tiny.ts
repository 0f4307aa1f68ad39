/**
 * Train a tiny bmshj2018 hyperprior for a few dozen steps on the scikit-image photos,
 * checkpoint it, and compress an image with the result: the whole training API in one
 * page. (Real models: `ncomp train`, see docs/training.md.)
 *
 * Run: `npm run build && node examples/dist/train-tiny.js` (`--quick` for fewer steps).
 */
import { setBackend } from '@ncomp/core';
import { RandomCropSampler, RdTrainer, createModel, readCheckpoint, writeCheckpoint, type RgbImage } from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

await setBackend('wasm');
const quick = process.argv.includes('--quick');
const folder = fileURLToPath(new URL('../../../shared/data/skimage', import.meta.url));
if (!existsSync(folder)) {
  console.log(`skipped: ${folder} is absent (the shared data folder is not beside the repository)`);
  process.exit(0);
}
const images: RgbImage[] = [];
for (const f of readdirSync(folder).filter((f) => /\.(png|jpe?g)$/i.test(f))) {
  const { data, info } = await sharp(join(folder, f))
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  images.push({ pixels: new Uint8Array(data), width: info.width, height: info.height, name: f });
}

const config = { N: 16, M: 24 };
const model = createModel('bmshj2018', config);
const steps = quick ? 12 : 60;
const trainer = new RdTrainer(model, new RandomCropSampler(images, 64, 1), { steps, batchSize: 4, learningRate: 2e-3, lambda: 0.01, seed: 1 });
for (let i = 0; i < steps; i++) {
  const r = trainer.trainStep();
  if (r.step % (quick ? 4 : 10) === 0)
    console.log(`step ${r.step}: loss ${r.loss.toFixed(3)}, ${r.bpp.toFixed(3)} bpp, ${r.psnr.toFixed(2)} dB, ${r.ms.toFixed(0)} ms`);
}

const dir = await mkdtemp(join(tmpdir(), 'ncomp-tiny-'));
await writeCheckpoint(dir, trainer, 'bmshj2018', config);
const { loaded } = await readCheckpoint(dir);
console.log(`checkpoint at step ${trainer.step} reloaded: ${loaded.name} ${JSON.stringify(loaded.config)}`);
loaded.model.update();
const x = tf.tidy(() => new RandomCropSampler(images, 64, 9).next(1));
const c = await loaded.model.compress(x);
const y = await loaded.model.decompress(c);
console.log(`a 64x64 crop: ${c.streams.map((s) => s.length).join(' + ')} bytes`);
tf.dispose([x, y]);
trainer.optimizer.dispose();
model.dispose();
loaded.model.dispose();
await rm(dir, { recursive: true, force: true });
