import { InvalidArgumentError, writeFileAtomic } from '@ncomp/core';
import { encodeContainer } from '@ncomp/models/container';
import * as tf from '@tensorflow/tfjs-core';
import { readImage } from '../image/index.js';
import type { CommandContext } from './context.js';
import { chooseBackend, chooseModel, numberOption } from './model-choice.js';
import { outputPathFor } from './output-path.js';

/** Help text of `ncomp compress`. */
export const COMPRESS_HELP = `ncomp compress — compress images to .ncomp files

Usage: ncomp compress <image...> [options]

  --quality <q>      rate level of the model, e.g. 0 (smallest) .. 3 (best) for the default
                     model; fractions interpolate (default: the highest)
  --model <file|name>  model file, or a shipped model by name (e.g. mric-small; see
                     \`ncomp models\`); default: the default model of @ncomp/models
  -o, --output <f>   output file (one input only); default <image stem>.ncomp beside the input
  --out-dir <dir>    write outputs into this folder
  --force            replace existing outputs
  --backend <b>      auto | tensorflow | webgpu | wasm | cpu

Inputs: PNG, JPEG, WebP (and what else sharp reads), any size, 8 or 16 bit, gray or
colour, with or without alpha (alpha is composited onto white; gray is restored on
decompression). See packages/cli/src/image/CONVERSION.md for the conversions.`;

/** `ncomp compress`. */
export async function compressCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length === 0) throw new InvalidArgumentError('no input images given');
  await chooseBackend(ctx);
  const { model, name, digest, path } = await chooseModel(ctx);
  const [lo, hi] = model.qualityRange;
  const quality = numberOption(ctx, 'quality', hi, lo, hi)!;
  ctx.log(`model: ${name} (${path}), quality ${quality}`);
  try {
    for (const input of ctx.positionals) {
      const out = outputPathFor(input, '.ncomp', { output: ctx.option('output'), outDir: ctx.option('out-dir'), count: ctx.positionals.length });
      const image = await readImage(input);
      const t0 = performance.now();
      const x = tf.tensor4d(image.rgb, [1, image.height, image.width, 3]);
      let compressed;
      try {
        compressed = await model.compress(x, quality);
      } finally {
        x.dispose();
      }
      const bytes = encodeContainer({
        header: {
          modelName: name,
          weightsDigest: digest,
          width: image.width,
          height: image.height,
          paddedWidth: compressed.paddedWidth,
          paddedHeight: compressed.paddedHeight,
          channels: image.source.channels,
          bitDepth: image.source.bitDepth,
          quality,
          extras: {},
        },
        streams: compressed.streams,
      });
      const ms = performance.now() - t0;
      await writeFileAtomic(out, bytes, { overwrite: ctx.flag('force'), overwriteHint: 'pass --force to replace it' });
      const bpp = (bytes.length * 8) / (image.width * image.height);
      ctx.print(`${input} -> ${out}: ${image.width}x${image.height}, ${bytes.length} bytes, ${bpp.toFixed(4)} bpp, ${ms.toFixed(0)} ms`);
    }
  } finally {
    model.dispose();
  }
  return 0;
}
