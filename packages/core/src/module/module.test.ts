import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ModelMismatchError } from '../errors/index.js';
import type { StateDict } from './index.js';
import { Module } from './index.js';

class Conv extends Module {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  constructor(inC: number, outC: number, k = 3) {
    super();
    this.kernel = this.addWeight('kernel', () => tf.randomNormal([k, k, inC, outC]));
    this.bias = this.addWeight('bias', () => tf.zeros([outC]));
  }
}

class Encoder extends Module {
  readonly scale: tf.Variable;
  readonly step: tf.Variable;
  readonly conv1: Conv;
  readonly conv2: Conv;
  constructor() {
    super();
    this.scale = this.addWeight('scale', () => tf.ones([2]), { trainable: false });
    this.conv1 = this.addModule('conv1', new Conv(3, 2));
    this.conv2 = this.addModule('conv2', new Conv(2, 2, 1));
    this.step = this.addWeight('step', () => tf.scalar(0, 'int32'), { trainable: false });
  }
}

class Codec extends Module {
  readonly encoder: Encoder;
  constructor() {
    super();
    this.encoder = this.addModule('encoder', new Encoder());
  }
}

/** Runs `fn` and checks that it leaves the number of live tensors unchanged. */
async function noLeaks(fn: () => void | Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors).toBe(before);
}

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Exposes the protected registration methods for tests of their validation. */
class Open extends Module {
  weight(name: string, initial: unknown, options = {}): tf.Variable {
    return this.addWeight(name, initial as tf.Tensor, options);
  }
  module<M extends Module>(name: string, child: M): M {
    return this.addModule(name, child);
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Module', () => {
  it('names variables by dotted path in registration order (own weights, then children depth first)', async () => {
    await noLeaks(() => {
      const codec = new Codec();
      expect([...codec.namedVariables().keys()]).toEqual([
        'encoder.scale',
        'encoder.step',
        'encoder.conv1.kernel',
        'encoder.conv1.bias',
        'encoder.conv2.kernel',
        'encoder.conv2.bias',
      ]);
      expect(codec.namedVariables().get('encoder.conv1.kernel')).toBe(codec.encoder.conv1.kernel);
      expect([...codec.children().keys()]).toEqual(['encoder']);
      expect([...codec.encoder.children().keys()]).toEqual(['conv1', 'conv2']);
      codec.dispose();
    });
  });

  it('gives every variable a unique engine name, so many instances coexist', async () => {
    await noLeaks(() => {
      const a = new Codec();
      const b = new Codec();
      const names = [...a.variables(), ...b.variables()].map((v) => v.name);
      expect(new Set(names).size).toBe(12);
      for (const n of names) expect(n).toMatch(/^ncomp\/(Encoder|Conv)\/\w+_\d+$/);
      a.dispose();
      b.dispose();
      for (const n of names) expect(tf.engine().registeredVariables[n]).toBeUndefined();
    });
  });

  it('splits trainable and non-trainable variables and counts parameters', async () => {
    await noLeaks(() => {
      const codec = new Codec();
      expect(codec.trainableVariables().map((v) => v.name)).toEqual([
        codec.encoder.conv1.kernel.name,
        codec.encoder.conv1.bias.name,
        codec.encoder.conv2.kernel.name,
        codec.encoder.conv2.bias.name,
      ]);
      expect(codec.nonTrainableVariables()).toEqual([codec.encoder.scale, codec.encoder.step]);
      expect(codec.variables().length).toBe(6);
      // conv1: 3*3*3*2 + 2 = 56; conv2: 1*1*2*2 + 2 = 6; scale 2; step 1.
      expect(codec.numParameters()).toBe(65);
      expect(codec.numParameters({ trainableOnly: true })).toBe(62);
      // The flag is read live from the variables.
      codec.encoder.conv2.bias.trainable = false;
      expect(codec.numParameters({ trainableOnly: true })).toBe(60);
      codec.dispose();
    });
  });

  it('creates weights from a tensor (caller keeps ownership) or an initializer (tidied), with dtype casts', async () => {
    await noLeaks(() => {
      const m = new Open();
      const init = tf.tensor([1.7, -2.2]);
      const v = m.weight('a', init);
      init.dispose(); // the variable shares the data by reference count
      expect(values(v)).toEqual([Math.fround(1.7), Math.fround(-2.2)]);
      const cast = m.weight('b', () => tf.add(tf.tensor([1.7, 2.2]), 1), { dtype: 'int32' });
      expect(cast.dtype).toBe('int32');
      expect(values(cast)).toEqual([2, 3]);
      expect(m.weight('c', () => tf.tensor([1, 0], [2], 'bool')).dtype).toBe('bool');
      m.dispose();
    });
  });

  it('refuses bad names, duplicates, non-tensors and unsupported dtypes', async () => {
    await noLeaks(() => {
      const m = new Open();
      m.weight('w', () => tf.zeros([1]));
      for (const bad of ['', 'a.b', 'a b', '__proto__']) {
        expect(() => m.weight(bad, () => tf.zeros([1]))).toThrow(InvalidArgumentError);
      }
      expect(() => m.weight('w', () => tf.zeros([1]))).toThrow(/"w" is already used/);
      expect(() => m.module('w', new Module())).toThrow(/"w" is already used/);
      expect(() => m.weight('x', [1, 2])).toThrow(/must be a tf.Tensor, found a Array/);
      expect(() => m.weight('s', () => tf.tensor(['a']))).toThrow(/float32, int32 or bool, found string/);
      expect(() => m.weight('f', () => tf.zeros([1]), { dtype: 'complex64' })).toThrow(InvalidArgumentError);
      expect([...m.namedVariables().keys()]).toEqual(['w']);
      m.dispose();
    });
  });

  it('refuses shared children, cycles and disposed children', async () => {
    await noLeaks(() => {
      const parent = new Open();
      const child = parent.module('child', new Open());
      const other = new Open();
      expect(() => other.module('c', child)).toThrow(/already registered/);
      expect(() => child.module('p', parent)).toThrow(/cycle/);
      expect(() => parent.module('self', parent)).toThrow(/cycle/);
      const dead = new Open();
      dead.dispose();
      expect(() => parent.module('dead', dead)).toThrow(/disposed/);
      parent.dispose();
      other.dispose();
    });
  });

  it('stateDict returns caller-owned snapshots that survive later assignment', async () => {
    await noLeaks(() => {
      const codec = new Codec();
      const dict = codec.stateDict();
      expect(Object.keys(dict)).toEqual([...codec.namedVariables().keys()]);
      const kernel = codec.encoder.conv1.kernel;
      const original = values(kernel);
      expect(dict['encoder.conv1.kernel']).not.toBe(kernel);
      expect(values(dict['encoder.conv1.kernel']!)).toEqual(original);
      tf.tidy(() => kernel.assign(tf.zerosLike(kernel)));
      expect(values(dict['encoder.conv1.kernel']!)).toEqual(original);
      expect(values(kernel).every((x) => x === 0)).toBe(true);
      tf.dispose(Object.values(dict));
      codec.dispose();
    });
  });

  it('loadStateDict copies values from another instance (strict), caller keeps the dict', async () => {
    await noLeaks(() => {
      const a = new Codec();
      const b = new Codec();
      const dict = a.stateDict();
      expect(b.loadStateDict(dict)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      tf.dispose(Object.values(dict));
      for (const [path, v] of a.namedVariables()) expect(values(b.namedVariables().get(path)!), path).toEqual(values(v));
      a.dispose();
      b.dispose();
    });
  });

  it('validates everything before assigning anything and lists every problem', async () => {
    await noLeaks(() => {
      const codec = new Codec();
      const before = codec.variables().map(values);
      const dict: StateDict = codec.stateDict();
      const replaced = ['encoder.conv1.bias', 'encoder.conv2.kernel', 'encoder.step', 'encoder.scale'].map((k) => dict[k]!);
      dict['encoder.conv1.bias'] = tf.ones([3]); // wrong shape
      dict['encoder.conv2.kernel'] = tf.ones([1, 1, 2, 2], 'int32'); // wrong dtype
      dict['encoder.scale'] = tf.fill([2], 5); // valid, must not be applied
      delete dict['encoder.step']; // missing
      dict['decoder.bias'] = tf.zeros([4]); // unexpected
      const error = (() => {
        try {
          codec.loadStateDict(dict);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ModelMismatchError);
      const message = (error as Error).message;
      expect(message).toContain('4 problems; nothing was loaded');
      expect(message).toContain('missing key "encoder.step": expected int32 []');
      expect(message).toContain('unexpected key "decoder.bias": found float32 [4]');
      expect(message).toContain('"encoder.conv1.bias": expected float32 [2], found float32 [3]');
      expect(message).toContain('"encoder.conv2.kernel": expected float32 [1, 1, 2, 2], found int32 [1, 1, 2, 2]');
      expect(codec.variables().map(values)).toEqual(before);
      tf.dispose([...Object.values(dict), ...replaced]);
      codec.dispose();
    });
  });

  it('refuses entries that are not live tensors', async () => {
    await noLeaks(() => {
      const conv = new Conv(1, 1, 1);
      const dead = tf.zeros([1]);
      dead.dispose();
      expect(() => conv.loadStateDict({ kernel: [[[[1]]]], bias: dead })).toThrow(
        /"kernel": expected a tf.Tensor float32 \[1, 1, 1, 1\], found a Array[\s\S]*"bias": expected float32 \[1\], found a disposed tensor/,
      );
      conv.dispose();
    });
  });

  it('non-strict loading reports missing and unexpected keys but still refuses bad shapes', async () => {
    await noLeaks(() => {
      const conv = new Conv(1, 1, 1);
      const bias = tf.tensor([0.25]);
      const extra = tf.zeros([2]);
      expect(conv.loadStateDict({ bias, extra }, { strict: false })).toEqual({
        missingKeys: ['kernel'],
        unexpectedKeys: ['extra'],
      });
      expect(values(conv.bias)).toEqual([0.25]);
      const wrong = tf.zeros([2]);
      expect(() => conv.loadStateDict({ bias: wrong }, { strict: false })).toThrow(ModelMismatchError);
      expect(() => conv.loadStateDict({ bias }, { strict: true })).toThrow(/missing key "kernel"/);
      tf.dispose([bias, extra, wrong]);
      conv.dispose();
    });
  });

  it('ignores inherited keys such as "constructor" in the dict', async () => {
    await noLeaks(() => {
      const m = new Open();
      m.weight('constructor', () => tf.zeros([1]));
      expect(() => m.loadStateDict({})).toThrow(/missing key "constructor"/);
      m.dispose();
    });
  });

  it('dispose frees every variable recursively, is idempotent, and blocks further use', async () => {
    const before = tf.memory().numTensors;
    const codec = new Codec();
    expect(tf.memory().numTensors).toBe(before + 6);
    codec.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(codec.isDisposed).toBe(true);
    expect(codec.encoder.conv1.isDisposed).toBe(true);
    expect(codec.variables().every((v) => v.isDisposed)).toBe(true);
    codec.dispose();
    expect(() => codec.stateDict()).toThrow(/has been disposed/);
    expect(() => codec.loadStateDict({})).toThrow(InvalidArgumentError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stateDict refuses a tree whose child was disposed on its own', async () => {
    await noLeaks(() => {
      const codec = new Codec();
      codec.encoder.conv2.dispose();
      expect(() => codec.stateDict()).toThrow(/variable "encoder.conv2.kernel" has been disposed/);
      codec.dispose();
    });
  });
});
