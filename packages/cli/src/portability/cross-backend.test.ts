/**
 * The portable-bitstream guarantee, tested as a matrix: every registry model (small
 * configurations; the trained default model), every quality and decode-time control
 * value, on crops of real photographs, compressed on one stock TF.js backend and decoded
 * on the other. The decoder must rebuild exactly the encoder's table indexes and symbols
 * (the file's check stream holds their digests, so an intact decode proves it) and the
 * latent bit for bit; images may differ by the backends' float rounding only.
 */
import { setBackend, type BackendChoice } from '@ncomp/core';
import { afterAll, describe, it } from 'vitest';
import { CASES, KODAK, crop, expectPortable, haveKodak, qualitiesOf } from './matrix.js';

if (!haveKodak) console.warn(`skipping the cross-backend matrix: ${KODAK} is absent (../shared/data beside the repository)`);

const PAIRS: readonly (readonly [BackendChoice, BackendChoice])[] = [
  ['wasm', 'cpu'],
  ['cpu', 'wasm'],
];

afterAll(async () => {
  await setBackend('wasm');
});

describe.skipIf(!haveKodak)('portable bitstreams: compress on one backend, decode on another', () => {
  it.each(CASES)('$name: identical tables, symbols and latent; images within float rounding, at every quality and control', async ({ make, image }) => {
    await setBackend('wasm');
    const model = await make();
    const x = await crop(...image);
    try {
      for (const [from, to] of PAIRS) for (const q of qualitiesOf(model)) await expectPortable(model, model, x, from, to, q);
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});
