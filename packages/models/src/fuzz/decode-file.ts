import { ModelMismatchError } from '@ncomp/core';
import type { ImageCodec } from '../codec/image-codec.js';
import type { ImageLimits } from '../codec/image-limits.js';
import { decodeContainer } from '../container/decode.js';
import { checkContainerModel } from '../container/model-check.js';

/** A model as a decoder sees it: the codec, its registry name and its weights digest. */
export interface DecodingModel {
  /** The codec. */
  readonly codec: ImageCodec;
  /** Registry name written in containers. */
  readonly name: string;
  /** Weights digest written in containers. */
  readonly digest: Uint8Array;
}

/**
 * Decodes a whole .ncomp file as `ncomp decompress` does: the container (magic, version,
 * CRC, fields), the model's name and digest, the quality range, then the codec (geometry,
 * stream bounds, entropy decoding, synthesis). Leaves no tensors behind.
 * @returns The decoded pixels, [H, W, 3] row-major in [0, 1].
 * @throws The typed errors of each step.
 */
export async function decodeFile(bytes: Uint8Array, model: DecodingModel, limits?: ImageLimits): Promise<Float32Array> {
  const { header: h, streams } = decodeContainer(bytes);
  checkContainerModel(h, model.name, model.digest);
  const [lo, hi] = model.codec.qualityRange;
  if (!(h.quality >= lo && h.quality <= hi)) throw new ModelMismatchError(`quality ${h.quality} is outside the model's range ${lo}..${hi}`);
  const x = await model.codec.decompress(
    { streams, width: h.width, height: h.height, paddedWidth: h.paddedWidth, paddedHeight: h.paddedHeight, quality: h.quality },
    undefined,
    limits,
  );
  try {
    return (await x.data()) as Float32Array;
  } finally {
    x.dispose();
  }
}
