import { InvalidArgumentError, writeFileAtomic } from '@ncomp/core';
import { DEFAULT_MAX_PIXELS } from '@ncomp/models';
import { encodeContainer } from '@ncomp/models/container';
import { readImagePixels } from '../image/index.js';
import type { CommandContext } from './context.js';
import { chooseBackend, chooseModel, maxPixelsOption, numberOption } from './model-choice.js';
import { checkOutputPath } from './output-check.js';
import { outputPathFor } from './output-path.js';
import { namingFile } from './read-container.js';

/**
 * Help text of `ncomp compress`, with the default model's quality range (read from its
 * file; "0 (smallest) .. n (best)" when unknown).
 */
export function compressHelp(range: readonly [number, number] | undefined): string {
  const levels = range ? `${range[0]} (smallest) .. ${range[1]} (best) for the default model` : '0 (smallest) .. n (best); `ncomp models` lists them';
  return `ncomp compress — compress images to .ncomp files

Usage: ncomp compress <image...> [options]

  --quality <q>      rate level of the model, ${levels};
                     fractions interpolate (default: the highest)
  --model <file|name>  model file, or a shipped model by name (e.g. mric-small; see
                     \`ncomp models\`); default: the default model of @ncomp/models
  -o, --output <f>   output file (one input only); default <image stem>.ncomp beside the input
  --out-dir <dir>    write outputs into this folder
  --force            replace existing outputs
  --max-pixels <n>   refuse larger images (default ${DEFAULT_MAX_PIXELS} = 2^28, e.g. 16384x16384);
                     raise it for trusted inputs (decompress then needs the same)
  --backend <b>      auto | tensorflow | webgpu | wasm | cpu

Inputs: PNG, JPEG, WebP (and what else sharp reads), any size up to --max-pixels, 8 or 16
bit, gray or colour, with or without alpha (alpha is composited onto white; gray is
restored on decompression). Large images are coded in tiles, in bounded memory. See
packages/cli/src/image/CONVERSION.md for the conversions.`;
}

/** `ncomp compress`. */
export async function compressCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length === 0) throw new InvalidArgumentError('no input images given');
  const maxPixels = maxPixelsOption(ctx);
  const outputs = ctx.positionals.map((input) =>
    outputPathFor(input, '.ncomp', { output: ctx.option('output'), outDir: ctx.option('out-dir'), count: ctx.positionals.length }),
  );
  for (const out of outputs) await checkOutputPath(out, ctx.flag('force'));
  await chooseBackend(ctx);
  const { model, name, digest, path } = await chooseModel(ctx);
  const [lo, hi] = model.qualityRange;
  const quality = numberOption(ctx, 'quality', hi, lo, hi)!;
  ctx.log(`model: ${name} (${path}), quality ${quality}`);
  try {
    for (const [i, input] of ctx.positionals.entries()) {
      const out = outputs[i]!;
      // The file's samples, converted row by row: no float32 copy of the image.
      const image = await readImagePixels(input, { maxPixels });
      const t0 = performance.now();
      let compressed;
      try {
        // g_a in tiles, the entropy coding in bands of latent rows: memory bounded by the band.
        compressed = await model.compressPixels(image.pixels, image.height, image.width, quality, { maxPixels });
      } catch (err) {
        throw namingFile(input, err);
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
