import { InvalidArgumentError, ModelMismatchError } from '@ncomp/core/errors';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkContainerModel, weightsDigest, type ContainerHeader } from './index.js';

const weights = new TextEncoder().encode('pretend these are safetensors weights');
const digest = weightsDigest(weights);

function header(modelName: string, d: Uint8Array): ContainerHeader {
  return { modelName, weightsDigest: d, width: 4, height: 4, paddedWidth: 16, paddedHeight: 16, channels: 'rgb', bitDepth: 8, quality: 0, extras: {} };
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('weightsDigest', () => {
  it('is the first 16 bytes of the SHA-256 of the file', () => {
    expect(digest).toHaveLength(16);
    expect(Buffer.from(digest).toString('hex')).toBe(createHash('sha256').update(weights).digest('hex').slice(0, 32));
  });
});

describe('checkContainerModel', () => {
  it('accepts the same name and digest (a different array with the same bytes)', () => {
    expect(() => checkContainerModel(header('bmshj2018', digest), 'bmshj2018', digest.slice())).not.toThrow();
  });

  it('names both models when the names differ', () => {
    const err = errorOf(() => checkContainerModel(header('mbt2018-mean', digest), 'bmshj2018', digest));
    expect(err).toBeInstanceOf(ModelMismatchError);
    expect(err.message).toBe('the file was compressed with model "mbt2018-mean", but the loaded model is "bmshj2018"; decode it with "mbt2018-mean"');
  });

  it('shows both digests when only the weights differ', () => {
    const other = weightsDigest(new TextEncoder().encode('other weights'));
    const err = errorOf(() => checkContainerModel(header('bmshj2018', other), 'bmshj2018', digest));
    expect(err).toBeInstanceOf(ModelMismatchError);
    expect(err.message).toContain(
      `same model name "bmshj2018", different weights (digest ${Buffer.from(other).toString('hex')} in the file vs ${Buffer.from(digest).toString('hex')} loaded)`,
    );
  });

  it('refuses a digest that is not 16 bytes (e.g. a whole SHA-256)', () => {
    const err = errorOf(() => checkContainerModel(header('bmshj2018', digest), 'bmshj2018', new Uint8Array(32)));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toMatch(/expected a digest of 16 bytes \(weightsDigest\(weights file\)\), found a Uint8Array of 32 bytes/);
  });
});
