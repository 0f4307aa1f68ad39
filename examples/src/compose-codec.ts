/**
 * Compose a new codec from ncomp parts in a few lines: a small analysis / synthesis
 * pair of your own, with the mean-scale hyperprior latent codec of @ncomp/models, then
 * code a real image to bytes and back.
 *
 * Run: `npm run build && node examples/dist/compose-codec.js` (`--quick` for a smaller image).
 */
import { setBackend } from '@ncomp/core';
import { Conv2d, ConvTranspose2d, GDN, Sequential, leakyRelu } from '@ncomp/layers';
import { HyperpriorLatentCodec, ImageCodec } from '@ncomp/models';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

await setBackend('wasm');
const quick = process.argv.includes('--quick');
const [N, M] = [32, 48];
const conv = (i: number, o: number, k: number, s: number): Conv2d => new Conv2d(i, o, k, { stride: s, padding: 'same_zeros' });
const deconv = (i: number, o: number, k: number, s: number): ConvTranspose2d => new ConvTranspose2d(i, o, k, { stride: s, padding: 'same_zeros' });

// --- the codec: three stride-2 layers instead of four, and a mean-scale hyperprior ---
const codec = new ImageCodec({
  analysis: new Sequential([conv(3, N, 5, 2), new GDN(N), conv(N, N, 5, 2), new GDN(N), conv(N, M, 5, 2)]),
  synthesis: new Sequential([deconv(M, N, 5, 2), new GDN(N, { inverse: true }), deconv(N, N, 5, 2), new GDN(N, { inverse: true }), deconv(N, 3, 5, 2)]),
  latentCodec: new HyperpriorLatentCodec({
    latentChannels: M,
    hyperChannels: N,
    hyperAnalysis: new Sequential([conv(M, N, 3, 1), leakyRelu(), conv(N, N, 5, 2), leakyRelu(), conv(N, N, 5, 2)]),
    hyperSynthesis: new Sequential([deconv(N, N, 5, 2), leakyRelu(), deconv(N, N, 5, 2), leakyRelu(), conv(N, 2 * M, 3, 1)]),
    hyperDownsampling: 4,
    mean: true,
  }),
  downsampling: 8,
});
codec.update(); // build the integer tables from the (here untrained) hyper-prior
console.log(`codec: ${codec.numParameters()} parameters, images padded to multiples of ${codec.padMultiple}`);

// --- a real image (any size: compress pads, decompress crops) ---
const kodim = fileURLToPath(new URL('../../../shared/data/kodak/kodim19.png', import.meta.url));
if (!existsSync(kodim)) {
  console.log(`skipped: ${kodim} is absent (the shared data folder is not beside the repository)`);
  process.exit(0);
}
const side = quick ? 96 : 301;
const { data, info } = await sharp(kodim)
  .extract({ left: 100, top: 100, width: side, height: side - 13 })
  .raw()
  .toBuffer({ resolveWithObject: true });
const x = tf.tidy(() => tf.div(tf.tensor4d(new Uint8Array(data), [1, info.height, info.width, 3], 'int32'), 255) as tf.Tensor4D);

// --- training-time estimate vs. real bytes ---
const compressed = await codec.compress(x);
const bytes = compressed.streams.reduce((n, s) => n + s.length, 0);
const decoded = await codec.decompress(compressed);
const psnr = tf.tidy(() => 10 * Math.log10(1 / tf.mean(tf.squaredDifference(decoded, x)).dataSync()[0]!));
console.log(
  `${info.width}x${info.height}: streams ${compressed.streams.map((s) => s.length).join(' + ')} bytes = ${((bytes * 8) / (info.width * info.height)).toFixed(3)} bpp, PSNR ${psnr.toFixed(2)} dB (untrained: train it with RdTrainer)`,
);
tf.dispose([x, decoded]);
codec.dispose();
