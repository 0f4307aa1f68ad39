import * as tf from '@tensorflow/tfjs-core';
import { encodeContainer } from '../container/encode.js';
import { createModel } from '../zoo/registry.js';
import type { ImageCodec } from '../codec/image-codec.js';
import { decodeFile, type DecodingModel } from './decode-file.js';

/** Valid files of one model and their decoded pixels: what the fuzz cases mutate. */
export interface FuzzFixtures {
  /** The model that coded and decodes them. */
  readonly model: DecodingModel;
  /** Valid .ncomp files. */
  readonly files: Uint8Array[];
  /** The decoded pixels of each. */
  readonly references: Float32Array[];
}

/**
 * Codes a few small smooth-plus-noise images of odd sizes at several qualities with
 * `codec` (default: a tiny untrained variable-rate bmshj2018, fast enough for CI).
 */
export async function fuzzFixtures(codec?: ImageCodec, name = 'bmshj2018'): Promise<FuzzFixtures> {
  const c = codec ?? createModel('bmshj2018', { N: 8, M: 8, lambdas: [0.01, 0.05] });
  c.update();
  const model: DecodingModel = { codec: c, name, digest: Uint8Array.from({ length: 16 }, (_, i) => i * 17) };
  const [lo, hi] = c.qualityRange;
  const files: Uint8Array[] = [];
  for (const [h, w, q] of [
    [30, 40, hi],
    [64, 64, lo],
    [17, 70, (lo + hi) / 2],
  ] as const) {
    const x = tf.tidy(() =>
      tf.clipByValue(
        tf.add(tf.mul(tf.reshape(tf.linspace(0, 1, h * w * 3), [1, h, w, 3]), 0.8), tf.randomUniform([1, h, w, 3], 0, 0.2, 'float32', h * w)),
        0,
        1,
      ),
    ) as tf.Tensor4D;
    const compressed = await c.compress(x, q);
    x.dispose();
    files.push(
      encodeContainer({
        header: {
          modelName: name,
          weightsDigest: model.digest,
          width: w,
          height: h,
          paddedWidth: compressed.paddedWidth,
          paddedHeight: compressed.paddedHeight,
          channels: 'rgb',
          bitDepth: 8,
          quality: q,
          extras: {},
        },
        streams: compressed.streams,
      }),
    );
  }
  const references: Float32Array[] = [];
  for (const f of files) references.push(await decodeFile(f, model));
  return { model, files, references };
}
