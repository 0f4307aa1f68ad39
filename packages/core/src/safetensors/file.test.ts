import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptStreamError, InvalidArgumentError, ShapeError } from '../errors/index.js';
import type { SafetensorsTensor } from './index.js';
import { readSafetensors, readSafetensorsFile, writeSafetensors, writeSafetensorsFile } from './index.node.js';

function bytesOf(data: ArrayBufferView): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

const LPIPS_DIR = fileURLToPath(new URL('../../../../../shared/data/lpips/', import.meta.url));
const HAVE_LPIPS = existsSync(LPIPS_DIR);
if (!HAVE_LPIPS) console.warn(`skipping LPIPS safetensors tests: ${LPIPS_DIR} is absent (shared data folder not mounted)`);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncomp-safetensors-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tensors = {
  w: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
  n: { dtype: 'I64', shape: [1], data: new BigInt64Array([-7n]) },
} satisfies Record<string, SafetensorsTensor>;

describe('safetensors files', () => {
  it('writes and reads back a file, leaving no temporary files', async () => {
    const path = join(dir, 'model.safetensors');
    await writeSafetensorsFile(path, tensors, { metadata: { format: 'pt' } });
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    expect(new Uint8Array(await readFile(path))).toEqual(writeSafetensors(tensors, { metadata: { format: 'pt' } }));
    const back = await readSafetensorsFile(path);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(back.tensors.get('w')).toEqual(tensors.w);
    expect(back.tensors.get('n')).toEqual(tensors.n);
  });

  it('refuses to overwrite an existing file unless asked, keeping the old content', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFile(path, 'precious');
    const error = await writeSafetensorsFile(path, tensors).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/refusing to overwrite existing file .*model\.safetensors.*overwrite: true/);
    expect(await readFile(path, 'utf8')).toBe('precious');
    expect(await readdir(dir)).toEqual(['model.safetensors']);

    await writeSafetensorsFile(path, tensors, { overwrite: true });
    expect((await readSafetensorsFile(path)).tensors.get('w')).toEqual(tensors.w);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('validates tensors before touching the disk', async () => {
    const path = join(dir, 'bad.safetensors');
    const bad = { w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } } satisfies Record<string, SafetensorsTensor>;
    await expect(writeSafetensorsFile(path, bad)).rejects.toThrow(ShapeError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a missing directory as an InvalidArgumentError naming it, and cleans up', async () => {
    const path = join(dir, 'missing', 'model.safetensors');
    const error = await writeSafetensorsFile(path, tensors).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/the folder .*missing does not exist; create it first/);
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a missing file as an InvalidArgumentError naming the path', async () => {
    const path = join(dir, 'nope.safetensors');
    await expect(readSafetensorsFile(path)).rejects.toThrow(InvalidArgumentError);
    await expect(readSafetensorsFile(path)).rejects.toThrow(/no such safetensors file: .*nope\.safetensors/);
  });

  it('reports a damaged file as a CorruptStreamError prefixed with its path', async () => {
    const path = join(dir, 'cut.safetensors');
    const bytes = writeSafetensors(tensors);
    await writeFile(path, bytes.subarray(0, bytes.length - 3));
    const error = await readSafetensorsFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptStreamError);
    expect((error as Error).message).toMatch(/cut\.safetensors: safetensors: tensor data needs \d+ bytes/);
    expect((error as Error).cause).toBeInstanceOf(CorruptStreamError);
  });
});

describe.skipIf(!HAVE_LPIPS)('LPIPS weights from ../shared/data/lpips', () => {
  it('loads the AlexNet file: 15 F32 tensors in PyTorch OIHW layout', async () => {
    const file = await readSafetensorsFile(join(LPIPS_DIR, 'lpips_alex_v0.1.safetensors'));
    const listing = [...file.tensors].map(([name, t]) => `${name} ${t.dtype} [${t.shape.join(',')}]`);
    expect(listing).toEqual([
      'features.0.weight F32 [64,3,11,11]',
      'features.0.bias F32 [64]',
      'features.3.weight F32 [192,64,5,5]',
      'features.3.bias F32 [192]',
      'features.6.weight F32 [384,192,3,3]',
      'features.6.bias F32 [384]',
      'features.8.weight F32 [256,384,3,3]',
      'features.8.bias F32 [256]',
      'features.10.weight F32 [256,256,3,3]',
      'features.10.bias F32 [256]',
      'lin0.weight F32 [64]',
      'lin1.weight F32 [192]',
      'lin2.weight F32 [384]',
      'lin3.weight F32 [256]',
      'lin4.weight F32 [256]',
    ]);
    expect(file.metadata['layout']).toBe('PyTorch OIHW conv weights; lin weights per channel');
    const conv1 = file.tensors.get('features.0.weight')!;
    expect(conv1.data).toBeInstanceOf(Float32Array);
    expect(conv1.data.length).toBe(64 * 3 * 11 * 11);
    // Real trained weights: finite, not all zero; LPIPS linear heads are non-negative.
    expect((conv1.data as Float32Array).every(Number.isFinite)).toBe(true);
    expect((conv1.data as Float32Array).some((v) => v !== 0)).toBe(true);
    for (let i = 0; i < 5; i++) {
      expect((file.tensors.get(`lin${i}.weight`)!.data as Float32Array).every((v) => v >= 0)).toBe(true);
    }
  });

  it('loads the SqueezeNet file: 50 backbone tensors (conv1 + 8 fire modules) and 7 linear heads', async () => {
    const file = await readSafetensorsFile(join(LPIPS_DIR, 'lpips_squeeze_v0.1.safetensors'));
    const names = [...file.tensors.keys()];
    expect(names.length).toBe(57);
    expect(file.tensors.get('features.0.weight')?.shape).toEqual([64, 3, 3, 3]);
    expect(file.tensors.get('features.12.expand3x3.weight')?.shape).toEqual([256, 64, 3, 3]);
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => file.tensors.get(`lin${i}.weight`)?.shape)).toEqual([[64], [128], [256], [384], [384], [512], [512]]);
    expect([...file.tensors.values()].every((t) => t.dtype === 'F32')).toBe(true);
  });

  it('re-encodes a real file to one that decodes to identical tensors', async () => {
    const file = await readSafetensorsFile(join(LPIPS_DIR, 'lpips_alex_v0.1.safetensors'));
    const again = readSafetensors(writeSafetensors(file.tensors, { metadata: file.metadata }));
    expect(again.metadata).toEqual(file.metadata);
    expect([...again.tensors.keys()].sort()).toEqual([...file.tensors.keys()].sort());
    for (const [name, t] of file.tensors) {
      const copy = again.tensors.get(name)!;
      expect([copy.dtype, copy.shape]).toEqual([t.dtype, t.shape]);
      // Byte comparison: element-wise deep equality of ~2.5M floats is needlessly slow.
      expect(Buffer.compare(bytesOf(copy.data), bytesOf(t.data)), name).toBe(0);
    }
  });
});
