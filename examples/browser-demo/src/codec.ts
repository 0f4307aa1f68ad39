/**
 * What the page does with ncomp: choose a backend, load the default model from a URL next
 * to the page, compress pixels to a .ncomp file and decode one. The same calls a web
 * application would make; the CLI's compress / decompress commands are the Node.js twins.
 */
import '@ncomp/core/browser';
import { ModelMismatchError, setBackend, type BackendChoice, type BackendReport } from '@ncomp/core';
import { loadModelUrl, type LoadedModel } from '@ncomp/models';
import { checkContainerModel, decodeContainer, encodeContainer, type ContainerHeader } from '@ncomp/models/container';
import { rgb01ToRgb8, type Rgb8 } from './pixels.js';

/**
 * Activates `choice`, with the wasm binaries served beside the page; on a cross-origin
 * isolated page, wasm uses a thread per logical core (TF.js's default is half of them).
 */
export async function chooseBackend(choice: BackendChoice): Promise<BackendReport> {
  const threads = self.crossOriginIsolated ? { wasmThreads: Math.max(1, navigator.hardwareConcurrency) } : {};
  return setBackend(choice, { wasmPaths: new URL('./', location.href).href, ...threads });
}

/** Downloads and loads the default model (`default.safetensors` beside the page). */
export async function loadDefaultModel(onProgress: (loaded: number, total: number | undefined) => void): Promise<LoadedModel> {
  return loadModelUrl(new URL('./default.safetensors', location.href), { onProgress });
}

/** A compressed image: the .ncomp file's bytes and its rate. */
export interface Compressed {
  readonly bytes: Uint8Array;
  readonly bpp: number;
  readonly ms: number;
}

/** Compresses RGB in [0, 1] at `quality` into a .ncomp file, as `ncomp compress` does. */
export async function compressImage(
  loaded: LoadedModel,
  rgb: Float32Array,
  width: number,
  height: number,
  quality: number,
  hadAlpha: boolean,
): Promise<Compressed> {
  const t0 = performance.now();
  const compressed = await loaded.model.compressPixels(rgb, height, width, quality);
  const bytes = encodeContainer({
    header: {
      modelName: loaded.name,
      weightsDigest: loaded.digest,
      width,
      height,
      paddedWidth: compressed.paddedWidth,
      paddedHeight: compressed.paddedHeight,
      channels: hadAlpha ? 'rgba' : 'rgb',
      bitDepth: 8,
      quality,
      extras: {},
    },
    streams: compressed.streams,
  });
  return { bytes, bpp: (bytes.length * 8) / (width * height), ms: performance.now() - t0 };
}

/** A decoded .ncomp file. */
export interface Decoded {
  readonly image: Rgb8;
  readonly header: ContainerHeader;
  readonly ms: number;
}

/**
 * Decodes a .ncomp file, as `ncomp decompress` does: the header is checked against the
 * model (name, weights digest, quality range) before any stream is decoded.
 */
export async function decodeFile(loaded: LoadedModel, bytes: Uint8Array): Promise<Decoded> {
  const t0 = performance.now();
  const { header: h, streams } = decodeContainer(bytes);
  checkContainerModel(h, loaded.name, loaded.digest);
  const [lo, hi] = loaded.model.qualityRange;
  if (!(h.quality >= lo && h.quality <= hi)) {
    throw new ModelMismatchError(`quality ${h.quality} is outside this model's range ${lo}..${hi}: the file was made with another model`);
  }
  const image = { streams, height: h.height, width: h.width, paddedHeight: h.paddedHeight, paddedWidth: h.paddedWidth, quality: h.quality };
  const rgb = await loaded.model.decompressPixels(image);
  return { image: { width: h.width, height: h.height, data: rgb01ToRgb8(rgb) }, header: h, ms: performance.now() - t0 };
}
