import { InvalidArgumentError, ModelMismatchError } from '@ncomp/core';
import { checkContainerModel } from '@ncomp/models/container';
import { writePngSamples } from '../image/index.js';
import { pngSamples } from '../image/write-png.js';
import type { CommandContext } from './context.js';
import { chooseBackend, chooseModel, maxPixelsOption } from './model-choice.js';
import { checkOutputPath } from './output-check.js';
import { decodeControlOption } from './decode-control-option.js';
import { outputPathFor } from './output-path.js';
import { namingFile, readContainerFile } from './read-container.js';

/** Help text of `ncomp decompress`. */
export const DECOMPRESS_HELP = `ncomp decompress — decode .ncomp files to PNG

Usage: ncomp decompress <file.ncomp...> [options]

  --model <file|name>  model file (or shipped model name, e.g. mric-small) the stream was
                     made with (default: the default model)
  --beta <B>         MRIC models: realism weight chosen at decode time (0 = distortion-
                     oriented, the default; up to 2.56 in the reference's use, 5.12 at most)
  --alpha <A>        EGIC-ORP models: 1 = the GAN output, 0 = the MSE head's, in between mixes
  -o, --output <f>   output PNG (one input only); default <file stem>.png beside the input
  --out-dir <dir>    write outputs into this folder
  --force            replace existing outputs
  --max-pixels <n>   refuse larger images (default 268435456 = 2^28); raise it for trusted files
  --backend <b>      auto | tensorflow | webgpu | wasm | cpu

A header is checked against the model and the streams before anything is decoded: a
forged or damaged image size is refused at once. Large images are decoded in tiles. The output has the input's size; gray inputs decode to gray PNGs, 16-bit inputs to
16-bit PNGs. A damaged file, a file of another model or of another format version is
refused with a message that says which.`;

/** `ncomp decompress`. */
export async function decompressCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length === 0) throw new InvalidArgumentError('no .ncomp files given');
  const maxPixels = maxPixelsOption(ctx);
  const outputs = ctx.positionals.map((input) =>
    outputPathFor(input, '.png', { output: ctx.option('output'), outDir: ctx.option('out-dir'), count: ctx.positionals.length }),
  );
  for (const out of outputs) await checkOutputPath(out, ctx.flag('force'));
  await chooseBackend(ctx);
  const { model, name, digest, path } = await chooseModel(ctx);
  try {
    const control = decodeControlOption(ctx, model.decodeControl, name);
    for (const [i, input] of ctx.positionals.entries()) {
      const out = outputs[i]!;
      const container = await readContainerFile(input);
      const h = container.header;
      const gray = h.channels === 'gray' || h.channels === 'gray-alpha';
      const perPixel = gray ? 1 : 3;
      let samples: Uint8Array | Uint16Array;
      const t0 = performance.now();
      try {
        checkContainerModel(h, name, digest);
        const [lo, hi] = model.qualityRange;
        if (!(h.quality >= lo && h.quality <= hi)) {
          throw new ModelMismatchError(
            `quality ${h.quality} is outside this model's range ${lo}..${hi}: the file was made with another model or its header is damaged`,
          );
        }
      } catch (err) {
        throw namingFile(input, err, `; the loaded model is ${path} — pass --model <file> with the model it was compressed with`);
      }
      try {
        const image = {
          streams: container.streams,
          height: h.height,
          width: h.width,
          paddedHeight: h.paddedHeight,
          paddedWidth: h.paddedWidth,
          quality: h.quality,
        };
        // Band by band into the PNG's samples, g_s in tiles: no float32 copy of the image. The
        // samples are allocated with the first band, after decompressRows has checked the
        // declared geometry against the pixel limit and the streams (a forged header must not
        // allocate what the file cannot hold).
        const pixels = h.width * h.height * perPixel;
        let decoded: Uint8Array | Uint16Array | undefined;
        await model.decompressRows(
          image,
          (y0, rows) => {
            decoded ??= h.bitDepth === 16 ? new Uint16Array(pixels) : new Uint8Array(pixels);
            decoded.set(pngSamples(rows, gray, h.bitDepth), y0 * h.width * perPixel);
          },
          control,
          { maxPixels },
        );
        if (!decoded) throw new Error('decompressRows delivered no rows');
        samples = decoded;
      } catch (err) {
        throw namingFile(input, err);
      }
      const ms = performance.now() - t0;
      await writePngSamples(out, samples, h.width, h.height, { channels: gray ? 'gray' : 'rgb', bitDepth: h.bitDepth, overwrite: ctx.flag('force') });
      const at = control === undefined ? '' : `, ${model.decodeControl!.name} ${control}`;
      ctx.print(`${input} -> ${out}: ${h.width}x${h.height}${at}, ${ms.toFixed(0)} ms`);
    }
  } finally {
    model.dispose();
  }
  return 0;
}
