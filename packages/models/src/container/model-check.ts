/** Tying a container to the exact model weights it was coded with. */
import { InvalidArgumentError, ModelMismatchError } from '@ncomp/core/errors';
import { DIGEST_BYTES, show, type ContainerHeader } from './format.js';
import { sha256 } from './sha256.js';
import { hexBytes } from './sniff.js';

/**
 * The weights digest a container records: the first 16 bytes of the SHA-256 of the
 * model's weights file (the whole file's bytes, as stored on disk).
 *
 * @param weightsFileBytes - The weights (model) file's bytes.
 * @returns A new 16-byte array.
 * @throws InvalidArgumentError when the argument is not a Uint8Array.
 */
export function weightsDigest(weightsFileBytes: Uint8Array): Uint8Array {
  return sha256(weightsFileBytes).slice(0, DIGEST_BYTES);
}

function digestHex(d: Uint8Array): string {
  return hexBytes(d).replaceAll(' ', '');
}

/**
 * Checks that a container was coded by the given model: same model name and same
 * weights digest. Call it before decoding streams, which decode to garbage (or fail) with
 * any other weights.
 *
 * @param header - The decoded container's header.
 * @param modelName - Registry name of the loaded model.
 * @param digest - {@link weightsDigest} of the loaded model's weights file (16 bytes).
 * @throws ModelMismatchError when the names differ (the message names both) or, with the
 *   same name, the digests differ (the message shows both digests in hex).
 * @throws InvalidArgumentError when `digest` is not a 16-byte Uint8Array.
 */
export function checkContainerModel(header: ContainerHeader, modelName: string, digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array) || digest.length !== DIGEST_BYTES) {
    throw new InvalidArgumentError(`checkContainerModel: expected a digest of ${DIGEST_BYTES} bytes (weightsDigest(weights file)), found ${show(digest)}`);
  }
  if (header.modelName !== modelName) {
    throw new ModelMismatchError(
      `the file was compressed with model ${JSON.stringify(header.modelName)}, but the loaded model is ${JSON.stringify(modelName)}; decode it with ${JSON.stringify(header.modelName)}`,
    );
  }
  const stored = header.weightsDigest;
  if (stored.length !== digest.length || !stored.every((b, i) => b === digest[i])) {
    throw new ModelMismatchError(
      `same model name ${JSON.stringify(modelName)}, different weights (digest ${digestHex(stored)} in the file vs ${digestHex(digest)} loaded): the file was compressed with other weights of this model (another training run or version)`,
    );
  }
}
