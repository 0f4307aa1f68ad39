/**
 * Input checks shared by the discriminators: the image batch, and the conditioning
 * latent on the grid the image implies.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@ncomp/core';
import { checkImageBatch, describeShape } from '../internal/checks.js';

/** What a discriminator expects of its inputs. */
export interface DiscriminatorInputSpec {
  /** Class name for error messages. */
  readonly owner: string;
  /** Channels of the image. */
  readonly inputChannels: number;
  /** Whether a latent is required (and accepted). */
  readonly conditional: boolean;
  /** Channels of the latent. */
  readonly latentChannels: number;
  /** Downsampling factor of the latent relative to the image. */
  readonly latentStride: number;
}

/**
 * Checks `image` [N, H, W, inputChannels] and, for a conditional discriminator, `latent`
 * [N, ceil(H / stride), ceil(W / stride), latentChannels] (both live float32); an
 * unconditional one refuses a latent.
 *
 * @throws InvalidArgumentError for a non-tensor, a disposed or non-float32 tensor, a
 *   missing latent (conditional) or a latent given to an unconditional discriminator;
 *   ShapeError for wrong ranks, channels, batch sizes or latent grids.
 * @internal
 */
export function checkDiscriminatorInputs(spec: DiscriminatorInputSpec, image: unknown, latent: unknown): asserts image is tf.Tensor4D {
  const { owner } = spec;
  checkImageBatch(owner, 'image', image);
  if (image.shape[3] !== spec.inputChannels) {
    throw new ShapeError(
      `${owner}: image must have ${spec.inputChannels} channels [batch, height, width, ${spec.inputChannels}], found ${describeShape(image.shape)}`,
    );
  }
  if (!spec.conditional) {
    if (latent !== undefined) {
      throw new InvalidArgumentError(`${owner}: this discriminator is unconditional (conditional: false) and takes no latent`);
    }
    return;
  }
  if (latent === undefined) {
    throw new InvalidArgumentError(`${owner}: a conditional discriminator needs the latent as second argument`);
  }
  checkImageBatch(owner, 'latent', latent);
  const [n, h, w] = image.shape;
  const s = spec.latentStride;
  const expected = [n, Math.ceil(h / s), Math.ceil(w / s), spec.latentChannels];
  const found = (latent as tf.Tensor).shape;
  if (expected.some((d, i) => d !== found[i])) {
    throw new ShapeError(
      `${owner}: for an image ${describeShape(image.shape)} the latent must be ${describeShape(expected)} ` +
        `(batch, ceil(H / ${s}), ceil(W / ${s}), ${spec.latentChannels}), found ${describeShape(found)}`,
    );
  }
}
