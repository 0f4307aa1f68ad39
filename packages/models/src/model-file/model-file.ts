/**
 * Model files as bytes: serializing a codec and building one from a file's bytes. No
 * file system here, so it runs in browsers too; files on disk are in `model-file-node.ts`,
 * URLs in `model-url.ts`.
 */
import { ModelMismatchError, UnsupportedFormatError, readSafetensors, safetensorsToStateDict, stateDictToSafetensors } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageCodec } from '../codec/image-codec.js';
import { weightsDigest } from '../container/model-check.js';
import { modelEntry, type ModelConfig } from '../zoo/registry.js';

/** Metadata keys of an ncomp model file (safetensors `__metadata__`). */
export const MODEL_FILE_KEYS: {
  /** Registry name of the model. */
  readonly model: 'ncomp.model';
  /** Its configuration as JSON. */
  readonly config: 'ncomp.config';
  /** Version of this layout ("1"). */
  readonly format: 'ncomp.model_format';
} = { model: 'ncomp.model', config: 'ncomp.config', format: 'ncomp.model_format' };

/** Options of {@link loadModelBytes}. */
export interface LoadModelOptions {
  /**
   * Accept a file without integer tables (e.g. a training checkpoint) and rebuild them
   * from the weights. Default false: a model file for coding must carry its tables.
   */
  readonly tablesOptional?: boolean;
}

/** A model read from a file. */
export interface LoadedModel {
  /** The codec, weights and integer tables loaded. */
  readonly model: ImageCodec;
  /** Registry name. */
  readonly name: string;
  /** Its configuration. */
  readonly config: ModelConfig;
  /** First 16 bytes of the SHA-256 of the file: what bitstreams record. */
  readonly digest: Uint8Array;
  /** All string metadata of the file. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Serializes a codec to model-file bytes: a safetensors file of its state dict (weights
 * and integer tables) whose metadata names the registry model and its configuration.
 * @param extraMetadata - More string metadata (e.g. training command and steps).
 *
 * @example
 * A model as bytes and back (to store or send it anywhere; on disk, see `saveModelFile`):
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { createModel, loadModelBytes, modelFileBytes } from '@ncomp/models';
 * import { weightsDigest } from '@ncomp/models/container';
 *
 * await setBackend('auto');
 * const config = { N: 8, M: 12 };
 * const model = createModel('bls2017', config);
 * model.update();
 * const bytes = await modelFileBytes(model, 'bls2017', config); // a safetensors file
 * const copy = loadModelBytes(bytes);
 * assert.deepEqual(copy.digest, weightsDigest(bytes));
 *
 * // The copy computes exactly what the original does.
 * const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
 * const a = model.forward(x, { training: false });
 * const b = copy.model.forward(x, { training: false });
 * assert.deepEqual(await a.xHat.data(), await b.xHat.data());
 * tf.dispose([x, a.xHat, a.bits, a.bpp, b.xHat, b.bits, b.bpp]);
 * model.dispose();
 * copy.model.dispose();
 * ```
 */
export async function modelFileBytes(
  model: ImageCodec,
  name: string,
  config: ModelConfig,
  extraMetadata: Readonly<Record<string, string>> = {},
): Promise<Uint8Array> {
  modelEntry(name);
  const dict = model.stateDict();
  try {
    return await stateDictToSafetensors(dict, {
      metadata: { ...extraMetadata, [MODEL_FILE_KEYS.model]: name, [MODEL_FILE_KEYS.config]: JSON.stringify(config), [MODEL_FILE_KEYS.format]: '1' },
    });
  } finally {
    tf.dispose(Object.values(dict));
  }
}

/**
 * Builds the codec a model file describes and loads its weights and tables. Table building
 * reads tensors synchronously: under WebGPU, call it inside `onReadableBackend` (as
 * `loadModelFile` and `loadModelUrl` do).
 * @param bytes - The file's bytes.
 * @param source - Where they came from, for messages.
 * @throws UnsupportedFormatError when the bytes are not an ncomp model file;
 *   ModelMismatchError when the weights do not fit the named model.
 *
 * @example
 * Bytes from anywhere (a `fetch`, a file input, an IndexedDB cache); here a model file is
 * made first, and a safetensors file that is not one is refused.
 * ```ts
 * import assert from 'node:assert/strict';
 * import { UnsupportedFormatError, setBackend, stateDictToSafetensors } from '@ncomp/core';
 * import { createModel, loadModelBytes, modelFileBytes } from '@ncomp/models';
 *
 * await setBackend('auto');
 * const model = createModel('bls2017', { N: 8, M: 12 });
 * model.update();
 * const bytes = await modelFileBytes(model, 'bls2017', { N: 8, M: 12 }, { 'my.note': 'example' });
 * model.dispose();
 *
 * const { model: loaded, name, config, metadata } = loadModelBytes(bytes, 'example bytes');
 * assert.equal(name, 'bls2017');
 * assert.deepEqual(config, { N: 8, M: 12 });
 * assert.equal(metadata['my.note'], 'example');
 * loaded.dispose();
 *
 * const other = await stateDictToSafetensors({}); // a valid safetensors file, but no model
 * assert.throws(() => loadModelBytes(other, 'other bytes'), UnsupportedFormatError);
 * ```
 */
export function loadModelBytes(bytes: Uint8Array, source = 'model file', options: LoadModelOptions = {}): LoadedModel {
  const file = readSafetensors(bytes);
  const metadata = file.metadata;
  const name = metadata[MODEL_FILE_KEYS.model];
  const configText = metadata[MODEL_FILE_KEYS.config];
  if (name === undefined || configText === undefined) {
    throw new UnsupportedFormatError(
      `${source}: a safetensors file without ncomp model metadata (${MODEL_FILE_KEYS.model}, ${MODEL_FILE_KEYS.config}); was it saved by saveModelFile / ncomp train?`,
    );
  }
  const entry = modelEntry(name);
  let configValue: unknown;
  try {
    configValue = JSON.parse(configText);
  } catch (err) {
    throw new UnsupportedFormatError(`${source}: config metadata is not JSON: ${configText.slice(0, 80)}`, { cause: err });
  }
  const config = entry.parseConfig(configValue);
  const model = entry.create(config);
  const dict = safetensorsToStateDict(file);
  try {
    if (options.tablesOptional === true) {
      const { missingKeys, unexpectedKeys } = model.loadStateDict(dict, { strict: false });
      const notTables = missingKeys.filter((k) => !/(^|\.)(cdf|cdf_length|cdf_offset)$/.test(k));
      if (notTables.length > 0 || unexpectedKeys.length > 0) {
        throw new ModelMismatchError(
          `weights do not fit ${name} ${JSON.stringify(config)}: missing ${notTables.join(', ') || 'none'}; unexpected ${unexpectedKeys.join(', ') || 'none'}`,
        );
      }
      if (missingKeys.length > 0) model.update();
    } else {
      model.loadStateDict(dict);
    }
  } catch (err) {
    model.dispose();
    if (err instanceof ModelMismatchError) throw new ModelMismatchError(`${source}: ${err.message}`, { cause: err });
    throw err;
  } finally {
    tf.dispose(Object.values(dict));
  }
  // The container's own SHA-256 (pure TypeScript), the same digest in Node.js and browsers.
  return { model, name, config, digest: weightsDigest(bytes), metadata };
}
