/**
 * Golden files: .ncomp files written by format 2 with the shipped default model (see
 * scripts/make-golden.mjs), committed with the PSNR of their decode. Every later version
 * must decode them, on every backend, to that PSNR: the guard of cross-version and
 * cross-machine compatibility.
 */
import { setBackend, type BackendChoice } from '@ncomp/core';
import { DEFAULT_MODEL_FILE, loadModelFile, type LoadedModel } from '@ncomp/models';
import { checkContainerModel, decodeContainer } from '@ncomp/models/container';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Golden {
  readonly file: string;
  readonly image: string;
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
  readonly quality: number;
  readonly bytes: number;
  readonly psnr: number;
}

const GOLDEN = new URL('./golden/', import.meta.url);
const { files } = JSON.parse(readFileSync(new URL('golden.json', GOLDEN), 'utf8')) as { files: Golden[] };
const KODAK = fileURLToPath(new URL('../../../../../shared/data/kodak/', import.meta.url));
const haveKodak = existsSync(KODAK);
if (!haveKodak) console.warn(`skipping the golden-file PSNR checks: ${KODAK} is absent`);

let loaded: LoadedModel;
beforeAll(async () => {
  await setBackend('wasm');
  loaded = await loadModelFile(DEFAULT_MODEL_FILE);
});
afterAll(async () => {
  loaded.model.dispose();
  await setBackend('wasm');
});

describe.skipIf(!haveKodak)('golden .ncomp files (format 2, default model)', () => {
  it.each(files.flatMap((g) => (['wasm', 'cpu'] as const).map((backend) => ({ ...g, backend }))))(
    '$file decodes on $backend to its recorded PSNR ($psnr dB)',
    async (g: Golden & { backend: BackendChoice }) => {
      await setBackend(g.backend);
      const bytes = new Uint8Array(readFileSync(new URL(g.file, GOLDEN)));
      expect(bytes.length).toBe(g.bytes);
      const { header, streams } = decodeContainer(bytes);
      checkContainerModel(header, loaded.name, loaded.digest);
      expect([header.width, header.height, header.quality]).toEqual([g.width, g.height, g.quality]);
      const { data } = await sharp(`${KODAK}/${g.image}`)
        .extract({ left: g.left, top: g.top, width: g.width, height: g.height })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const before = tf.memory().numTensors;
      const y = await loaded.model.decompress({ ...header, streams });
      const decoded = (await y.data()) as Float32Array;
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      let se = 0;
      for (let i = 0; i < decoded.length; i++) se += (Math.round(decoded[i]! * 255) - data[i]!) ** 2;
      const psnr = 10 * Math.log10((255 * 255 * decoded.length) / se);
      // The symbols are verified by the check stream; the synthesis may round pixels differently by backend.
      expect(Math.abs(psnr - g.psnr)).toBeLessThan(0.02);
    },
  );
});
