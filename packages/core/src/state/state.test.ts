import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CorruptStreamError, InvalidArgumentError, ModelMismatchError, UnsupportedFormatError } from '../errors/index.js';
import { Module } from '../module/index.js';
import { readSafetensors, writeSafetensors } from '../safetensors/index.js';
import { readSafetensorsFile } from '../safetensors/file.js';
import { safetensorsToStateDict, stateDictToSafetensors } from './index.js';
import { loadModule, saveModule } from './persist.js';

const LPIPS_DIR = fileURLToPath(new URL('../../../../../shared/data/lpips/', import.meta.url));
const HAVE_LPIPS = existsSync(LPIPS_DIR);
if (!HAVE_LPIPS) console.warn(`skipping LPIPS module-loading test: ${LPIPS_DIR} is absent (shared data folder not mounted)`);

async function noLeaks(fn: () => Promise<void> | void): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors).toBe(before);
}

function values(t: tf.Tensor | undefined): number[] {
  if (t === undefined) throw new Error('missing tensor');
  return Array.from(t.dataSync());
}

class Net extends Module {
  readonly kernel: tf.Variable;
  readonly count: tf.Variable;
  readonly mask: tf.Variable;
  readonly head: Head;
  constructor(width = 3) {
    super();
    this.kernel = this.addWeight('kernel', () => tf.randomUniform([2, width]));
    this.count = this.addWeight('count', () => tf.tensor([7, -9], [2], 'int32'), { trainable: false });
    this.mask = this.addWeight('mask', () => tf.tensor([1, 0, 1], [3], 'bool'), { trainable: false });
    this.head = this.addModule('head', new Head());
  }
}

class Head extends Module {
  readonly bias: tf.Variable;
  constructor() {
    super();
    this.bias = this.addWeight('bias', () => tf.randomNormal([4]));
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('state dict <-> safetensors', () => {
  it('round-trips float32, int32 and bool tensors exactly (F32)', async () => {
    await noLeaks(async () => {
      const dict = {
        a: tf.tensor([
          [1.5, -2.25],
          [3e-8, 1e30],
        ]),
        b: tf.tensor([2147483647, -2147483648], [2], 'int32'),
        c: tf.tensor([true, false, true], [3], 'bool'),
        s: tf.scalar(0.1),
      };
      const bytes = await stateDictToSafetensors(dict, { metadata: { by: 'test' } });
      const file = readSafetensors(bytes);
      expect([...file.tensors].map(([n, t]) => `${n}:${t.dtype}:[${t.shape}]`).sort()).toEqual(['a:F32:[2,2]', 'b:I32:[2]', 'c:BOOL:[3]', 's:F32:[]']);
      expect(file.metadata).toEqual({ by: 'test' });
      const back = safetensorsToStateDict(bytes);
      for (const [name, t] of Object.entries(dict)) {
        expect(back[name]!.dtype, name).toBe(t.dtype);
        expect(back[name]!.shape, name).toEqual(t.shape);
        expect(values(back[name]), name).toEqual(values(t));
      }
      tf.dispose([...Object.values(dict), ...Object.values(back)]);
    });
  });

  it('stores float32 as F16 or BF16 on request, rounding to nearest', async () => {
    await noLeaks(async () => {
      const dict = { w: tf.tensor([0.1, 1, 65504, 70000, -(2 ** -24)]) };
      const f16 = safetensorsToStateDict(await stateDictToSafetensors(dict, { floatDtype: 'F16' }));
      expect(values(f16['w'])).toEqual([0.0999755859375, 1, 65504, Infinity, -(2 ** -24)]);
      const bf16 = safetensorsToStateDict(await stateDictToSafetensors(dict, { floatDtype: 'BF16' }));
      expect(values(bf16['w'])).toEqual([0.10009765625, 1, 65536, 70144, -(2 ** -24)]);
      tf.dispose([dict.w, f16['w']!, bf16['w']!]);
    });
  });

  it('refuses tensors it cannot store', async () => {
    await noLeaks(async () => {
      const s = tf.tensor(['x']);
      await expect(stateDictToSafetensors({ s })).rejects.toThrow(/"s" has dtype string; only float32, int32 and bool/);
      s.dispose();
      await expect(stateDictToSafetensors({ s })).rejects.toThrow(InvalidArgumentError);
    });
  });

  it('maps the other safetensors dtypes onto float32 / int32 / bool', async () => {
    await noLeaks(() => {
      const bytes = writeSafetensors({
        f64: { dtype: 'F64', shape: [2], data: new Float64Array([0.1, 1e300]) },
        u8: { dtype: 'U8', shape: [2], data: new Uint8Array([0, 255]) },
        i8: { dtype: 'I8', shape: [1], data: new Int8Array([-128]) },
        u16: { dtype: 'U16', shape: [1], data: new Uint16Array([65535]) },
        i16: { dtype: 'I16', shape: [1], data: new Int16Array([-32768]) },
        u32: { dtype: 'U32', shape: [1], data: new Uint32Array([2 ** 31 - 1]) },
        i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 31n), 2n ** 31n - 1n]) },
        u64: { dtype: 'U64', shape: [1], data: new BigUint64Array([12n]) },
      });
      const d = safetensorsToStateDict(bytes);
      expect(d['f64']!.dtype).toBe('float32');
      expect(values(d['f64'])).toEqual([Math.fround(0.1), Infinity]);
      for (const k of ['u8', 'i8', 'u16', 'i16', 'u32', 'i64', 'u64']) expect(d[k]!.dtype, k).toBe('int32');
      expect(values(d['u8'])).toEqual([0, 255]);
      expect(values(d['i8'])).toEqual([-128]);
      expect(values(d['u16'])).toEqual([65535]);
      expect(values(d['i16'])).toEqual([-32768]);
      expect(values(d['u32'])).toEqual([2 ** 31 - 1]);
      expect(values(d['i64'])).toEqual([-(2 ** 31), 2 ** 31 - 1]);
      expect(values(d['u64'])).toEqual([12]);
      tf.dispose(Object.values(d));
    });
  });

  it('refuses 64-bit and unsigned 32-bit values outside int32, creating no tensors', async () => {
    await noLeaks(() => {
      const ok = { dtype: 'F32', shape: [1], data: new Float32Array([1]) } as const;
      const cases = [
        { dtype: 'I64', shape: [2], data: new BigInt64Array([0n, 2n ** 31n]) },
        { dtype: 'U64', shape: [1], data: new BigUint64Array([2n ** 63n]) },
        { dtype: 'U32', shape: [1], data: new Uint32Array([2 ** 31]) },
      ] as const;
      for (const big of cases) {
        const bytes = writeSafetensors({ a: ok, big });
        expect(() => safetensorsToStateDict(bytes)).toThrow(UnsupportedFormatError);
        expect(() => safetensorsToStateDict(bytes)).toThrow(/"big" is [IU](64|32) and element \d is \d+, outside the int32 range/);
      }
    });
  });

  it('passes on decoding errors and accepts any tensor name', async () => {
    await noLeaks(() => {
      expect(() => safetensorsToStateDict(new Uint8Array(4))).toThrow(CorruptStreamError);
      const d = safetensorsToStateDict(writeSafetensors(new Map([['__proto__', { dtype: 'U8', shape: [1], data: new Uint8Array([3]) }]])));
      expect(Object.keys(d)).toEqual(['__proto__']);
      expect(values(d['__proto__'])).toEqual([3]);
      tf.dispose(Object.values(d));
    });
  });

  it('copies from a caller-owned decoded file, so the tensors never alias its arrays', async () => {
    await noLeaks(() => {
      const file = readSafetensors(writeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }));
      const d = safetensorsToStateDict(file);
      (file.tensors.get('w')!.data as Float32Array).fill(0);
      expect(values(d['w'])).toEqual([1, 2]);
      tf.dispose(Object.values(d));
    });
  });
});

describe('saveModule / loadModule', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ncomp-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves a module and loads it into a fresh instance', async () => {
    await noLeaks(async () => {
      const a = new Net();
      const b = new Net();
      const path = join(dir, 'net.safetensors');
      await saveModule(a, path, { metadata: { model: 'Net' } });
      const file = await readSafetensorsFile(path);
      expect([...file.tensors.keys()].sort()).toEqual(['count', 'head.bias', 'kernel', 'mask']);
      expect(file.metadata).toEqual({ model: 'Net' });
      expect(await loadModule(b, path)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      for (const [p, v] of a.namedVariables()) expect(values(b.namedVariables().get(p)), p).toEqual(values(v));
      a.dispose();
      b.dispose();
    });
  });

  it('refuses to overwrite unless asked', async () => {
    await noLeaks(async () => {
      const net = new Net();
      const path = join(dir, 'net.safetensors');
      await saveModule(net, path);
      await expect(saveModule(net, path)).rejects.toThrow(/refusing to overwrite/);
      await saveModule(net, path, { overwrite: true });
      expect(await readdir(dir)).toEqual(['net.safetensors']);
      net.dispose();
    });
  });

  it('refuses a file from another architecture, naming the path and every problem, loading nothing', async () => {
    await noLeaks(async () => {
      const wide = new Net(5);
      const net = new Net(3);
      const before = net.variables().map(values);
      const path = join(dir, 'wide.safetensors');
      await saveModule(wide, path);
      const error = await loadModule(net, path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelMismatchError);
      expect((error as Error).message).toMatch(/wide\.safetensors: Net: state dict does not match the module \(1 problem;/);
      expect((error as Error).message).toContain('"kernel": expected float32 [2, 3], found float32 [2, 5]');
      expect(net.variables().map(values)).toEqual(before);
      wide.dispose();
      net.dispose();
    });
  });

  it('non-strict loading of a partial file reports the missing keys', async () => {
    await noLeaks(async () => {
      const head = new Head();
      const path = join(dir, 'head.safetensors');
      await saveModule(head, path);
      const net = new Net();
      // Head's "bias" is at the top level of its file, so for Net it is unexpected.
      expect(await loadModule(net, path, { strict: false })).toEqual({
        missingKeys: ['kernel', 'count', 'mask', 'head.bias'],
        unexpectedKeys: ['bias'],
      });
      await expect(loadModule(net, path)).rejects.toThrow(ModelMismatchError);
      head.dispose();
      net.dispose();
    });
  });
});

/** A plain container with a public registration method (like torch.nn.ModuleDict). */
class Container extends Module {
  add(name: string, child: Module): void {
    this.addModule(name, child);
  }
}

class Conv2dWeights extends Module {
  constructor(oihw: number[]) {
    super();
    this.addWeight('weight', () => tf.zeros(oihw));
    this.addWeight('bias', () => tf.zeros([oihw[0]!]));
  }
}

class Linear extends Module {
  constructor(channels: number) {
    super();
    this.addWeight('weight', () => tf.zeros([channels]));
  }
}

/** A module with the parameter names of LPIPS-AlexNet (torchvision `features` + lin heads). */
class LpipsAlexWeights extends Module {
  constructor() {
    super();
    const features = this.addModule('features', new Container());
    const convs: Array<[string, number[]]> = [
      ['0', [64, 3, 11, 11]],
      ['3', [192, 64, 5, 5]],
      ['6', [384, 192, 3, 3]],
      ['8', [256, 384, 3, 3]],
      ['10', [256, 256, 3, 3]],
    ];
    for (const [index, shape] of convs) features.add(index, new Conv2dWeights(shape));
    convs.forEach(([, shape], i) => this.addModule(`lin${i}`, new Linear(shape[0]!)));
  }
}

describe.skipIf(!HAVE_LPIPS)('loading real weights (../shared/data/lpips)', () => {
  it('loads lpips_alex_v0.1.safetensors into a module with the same parameter names', async () => {
    await noLeaks(async () => {
      const model = new LpipsAlexWeights();
      // (file data bytes 9883392) / 4 bytes per float32.
      expect(model.numParameters()).toBe(2470848);
      const result = await loadModule(model, join(LPIPS_DIR, 'lpips_alex_v0.1.safetensors'));
      expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
      const conv1 = model.namedVariables().get('features.0.weight')!;
      expect(conv1.shape).toEqual([64, 3, 11, 11]);
      const sumAbs = tf.tidy(() => tf.sum(tf.abs(conv1)).dataSync()[0]!);
      expect(sumAbs).toBeGreaterThan(1);
      model.dispose();
    });
  });
});
