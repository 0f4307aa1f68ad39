import { ModelMismatchError, UnsupportedFormatError, setBackend, writeSafetensors } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../zoo/registry.js';
import { loadModelBytes, modelFileBytes } from './model-file.js';
import { loadModelFile, saveModelFile } from './model-file-node.js';

let dir: string;
beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('model files', () => {
  it("reload to a codec that decodes the saved codec's streams identically", async () => {
    const config = { N: 8, M: 12, lambdas: [0.01, 0.05] };
    const model = createModel('mbt2018-mean', config);
    model.update();
    const path = join(dir, 'm.safetensors');
    await saveModelFile(path, model, 'mbt2018-mean', config, { metadata: { 'ncomp.note': 'test' } });
    await expect(saveModelFile(path, model, 'mbt2018-mean', config)).rejects.toThrow(/refusing to overwrite/);
    const loaded = await loadModelFile(path);
    expect(loaded.name).toBe('mbt2018-mean');
    expect(loaded.config).toEqual(config);
    expect(loaded.metadata['ncomp.note']).toBe('test');
    expect(loaded.digest.length).toBe(16);
    const x = tf.randomUniform([1, 40, 33, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const c = await model.compress(x, 0.5);
    const c2 = await loaded.model.compress(x, 0.5);
    expect(c2.streams).toEqual(c.streams);
    const a = await model.decompress(c);
    const b = await loaded.model.decompress(c);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.model.dispose();
  });

  it('digest changes with the weights', async () => {
    const config = { N: 4, M: 4 };
    const a = createModel('bls2017', config);
    const b = createModel('bls2017', config);
    const da = loadModelBytes(await modelFileBytes(a, 'bls2017', config));
    const db = loadModelBytes(await modelFileBytes(b, 'bls2017', config));
    expect(Buffer.from(da.digest).equals(Buffer.from(db.digest))).toBe(false);
    for (const m of [a, b, da.model, db.model]) m.dispose();
  });

  it('refuses files without ncomp metadata and weights of another shape', async () => {
    const plain = writeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    expect(() => loadModelBytes(plain, 'plain.safetensors')).toThrow(UnsupportedFormatError);
    const small = createModel('bmshj2018', { N: 4, M: 4 });
    const bytes = await modelFileBytes(small, 'bmshj2018', { N: 4, M: 4 });
    // Same weights, but metadata claiming another configuration.
    const needle = Buffer.from('{\\"N\\":4,\\"M\\":4}');
    const at = Buffer.from(bytes).indexOf(needle);
    expect(at).toBeGreaterThan(0);
    const forged = bytes.slice();
    forged[at + needle.length - 2] = '5'.charCodeAt(0);
    expect(() => loadModelBytes(forged, 'forged')).toThrow(ModelMismatchError);
    small.dispose();
  });
});
