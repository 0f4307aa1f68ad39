/**
 * Portable bitstreams across WebGPU (Dawn, the `webgpu` npm package) and wasm: compressed on
 * one, decoded on the other, identical latent and images within float rounding. Runs where
 * Dawn finds an adapter (a GPU, or Mesa 25's lavapipe: `scripts/setup-webgpu.sh`); skipped
 * with the reason elsewhere, unless NCOMP_REQUIRE_WEBGPU=1 (CI sets it after installing
 * lavapipe), where a missing adapter fails the run instead.
 */
import { setBackend } from '@ncomp/core';
import { afterAll, describe, expect, it } from 'vitest';
import { CASES, crop, expectPortable, haveKodak, twinOf } from './matrix.js';

const unavailable = await setBackend('webgpu').then(
  () => undefined,
  (error: unknown) => (error instanceof Error ? error.message : String(error)),
);
const required = process.env['NCOMP_REQUIRE_WEBGPU'] === '1';
if (unavailable !== undefined && !required) console.warn(`webgpu portability tests skipped: ${unavailable.split('. ')[0]}`);

afterAll(async () => {
  await setBackend('wasm');
});

describe('WebGPU adapter', () => {
  it.runIf(required)('is present where NCOMP_REQUIRE_WEBGPU=1 (CI, after scripts/setup-webgpu.sh)', () => {
    expect(unavailable).toBeUndefined();
  });
});

// The trained default model and the ChARM / Swin models; one quality each (lavapipe is slow).
const picked = CASES.filter((c) => /default|mric|egic/.test(c.name));

describe.skipIf(unavailable !== undefined || !haveKodak)('portable bitstreams: WebGPU <-> wasm', () => {
  it.each(picked)('$name: compressed on webgpu decodes on wasm and the reverse', async ({ make, image }) => {
    await setBackend('wasm');
    // One instance per backend: WebGPU tensors cannot move back to wasm synchronously.
    const gpu = await make();
    const cpu = await twinOf(make, gpu);
    // A fresh input per direction, for the same reason.
    const [x1, x2] = [await crop(...image), await crop(...image)];
    const q = gpu.qualityRange[1] > 0 ? 1.5 : 0;
    try {
      await expectPortable(gpu, cpu, x1, 'webgpu', 'wasm', q);
      await expectPortable(cpu, gpu, x2, 'wasm', 'webgpu', q);
    } finally {
      await setBackend('webgpu');
      x1.dispose();
      gpu.dispose();
      await setBackend('wasm');
      x2.dispose();
      cpu.dispose();
    }
  });
});

describe.skipIf(unavailable !== undefined || !haveKodak)('images in several tiles on WebGPU', () => {
  it('default model, 6 tiles of g_a and g_s: compressed on webgpu decodes on wasm and the reverse', async () => {
    // Tiles of 4 latent pixels over a 128x192 padded image (8x12 latent pixels): the tile
    // overlap is measured by probeReach, which used to read synchronously and failed on webgpu.
    const [c] = CASES;
    const limits = { tile: 4 };
    await setBackend('wasm');
    const gpu = await c!.make();
    const cpu = await twinOf(c!.make, gpu);
    const [x1, x2] = [await crop('kodim23.png', 100, 200, 120, 184), await crop('kodim23.png', 100, 200, 120, 184)];
    const q = gpu.qualityRange[1] > 0 ? 1.5 : 0;
    try {
      await expectPortable(gpu, cpu, x1, 'webgpu', 'wasm', q, 2e-3, limits);
      await expectPortable(cpu, gpu, x2, 'wasm', 'webgpu', q, 2e-3, limits);
    } finally {
      await setBackend('webgpu');
      x1.dispose();
      gpu.dispose();
      await setBackend('wasm');
      x2.dispose();
      cpu.dispose();
    }
  });
});
