/**
 * Learning-rate multipliers by parameter-name prefix: the factor function (first match
 * wins, checked factors and prefixes), and their effect in a GAN trainer (MRIC stage 1):
 * a factor of 0 freezes the parameters it names, a factor of k scales the first Adam step
 * by exactly k (Adam's first step is lr · sign-like m̂/√v̂, the same for every factor).
 */
import { InvalidArgumentError, setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MRIC_SMALL_CONFIG, mric, type MricCodec } from '../zoo/mric.js';
import { RandomCropSampler, type RgbImage } from './crop-sampler.js';
import { learningRateMultiplierOf } from './lr-multipliers.js';
import { MricTrainer } from './mric-trainer.js';
import { SeededRandom } from './rng.js';

beforeAll(async () => {
  await setBackend('wasm');
});

describe('learningRateMultiplierOf', () => {
  it('takes the first matching prefix, 1 for the rest', () => {
    const f = learningRateMultiplierOf({ 'a.b.': 3, 'a.': 0.5 });
    expect(f('a.b.kernel')).toBe(3);
    expect(f('a.c.kernel')).toBe(0.5);
    expect(f('z.kernel')).toBe(1);
    expect(learningRateMultiplierOf(undefined)('a.b')).toBe(1);
  });

  it('refuses bad factors and, given the names, prefixes that match nothing', () => {
    expect(() => learningRateMultiplierOf({ 'a.': -1 })).toThrow(InvalidArgumentError);
    expect(() => learningRateMultiplierOf({ 'a.': Number.NaN })).toThrow(/finite number >= 0/);
    expect(() => learningRateMultiplierOf({ 'a.': Infinity })).toThrow(/"a\."/);
    expect(() => learningRateMultiplierOf({ 'synth.': 2 }, ['synthesis.x.kernel', 'analysis.y.bias'])).toThrow(
      /"synth\." matches no trained parameter; parameter names start with synthesis\.x\., analysis\.y\./,
    );
    expect(learningRateMultiplierOf({ 'synthesis.': 2 }, ['synthesis.x.kernel'])('synthesis.x.kernel')).toBe(2);
  });
});

function images(): RgbImage[] {
  const rng = new SeededRandom(3);
  return Array.from({ length: 2 }, () => ({ pixels: Uint8Array.from({ length: 64 * 64 * 3 }, () => Math.floor(rng.next() * 256)), width: 64, height: 64 }));
}

/** Every codec weight by name, as flat arrays. */
function snapshot(codec: MricCodec): Map<string, Float32Array> {
  return new Map([...codec.namedVariables()].map(([n, v]) => [n, v.dataSync() as Float32Array]));
}

/** One stage-1 MRIC step from the same start (seeded weights, crops and noise) with the given multipliers; the change of each weight. */
function firstStepChange(multipliers: Record<string, number> | undefined): Map<string, Float32Array> {
  const rng = new SeededRandom(11);
  const saved = Math.random;
  Math.random = () => rng.next();
  let codec: MricCodec;
  try {
    codec = mric({ ...MRIC_SMALL_CONFIG, channels: 16, latentChannels: 16, conditioningChannels: 8, hyperLatentChannels: 8 });
  } finally {
    Math.random = saved;
  }
  const trainer = new MricTrainer({
    codec,
    lpips: null,
    source: new RandomCropSampler(images(), 64, 1),
    options: { stage: 1, steps: 10, batchSize: 1, seed: 1, clipNorm: 0, ...(multipliers ? { learningRateMultipliers: multipliers } : {}) },
  });
  const before = snapshot(codec);
  trainer.trainStep();
  const after = snapshot(codec);
  trainer.dispose();
  codec.dispose();
  return new Map([...before].map(([n, b]) => [n, b.map((x, i) => after.get(n)![i]! - x)]));
}

const maxAbs = (a: Float32Array): number => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('GAN trainers with learning-rate multipliers', () => {
  it('freeze the parameters with factor 0 and scale the step of the others exactly, without leaking tensors', () => {
    const tensors = tf.memory().numTensors;
    const plain = firstStepChange(undefined);
    const scaled = firstStepChange({ 'synthesis.conditioning.': 4, 'analysis.': 0 });
    let conditioning = 0;
    for (const [name, d] of scaled) {
      const p = plain.get(name)!;
      if (name.startsWith('analysis.')) {
        expect(maxAbs(d), name).toBe(0);
        expect(maxAbs(p), name).toBeGreaterThan(0);
      } else if (name.startsWith('synthesis.conditioning.')) {
        conditioning += 1;
        // The first Adam step is -lr · g/(|g| + ε) per weight (about 1e-4 here): factor 4, to
        // the float32 rounding of the weights themselves (|w| < 2: at most 2.4e-7 each).
        for (let i = 0; i < d.length; i += 1) expect(Math.abs(d[i]! - 4 * p[i]!)).toBeLessThan(1e-6);
        expect(maxAbs(d), name).toBeGreaterThan(0);
      }
    }
    expect(conditioning).toBe(4);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuse a prefix that names no parameter the stage trains', () => {
    expect(() => firstStepChange({ 'synthesis.conditoning.': 10 })).toThrow(/"synthesis\.conditoning\." matches no trained parameter/);
  });
});
