import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { hificGeneratorLoss, hificRateSchedule } from './hific-loss.js';

/** The float32 next to `x` (up or down). */
function nextFloat32(x: number, up: boolean): number {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  bits[0] = bits[0]! + (up ? 1 : -1);
  return f[0]!;
}

describe('hificGeneratorLoss with the quantized rate as a tensor (the λ switch in the graph)', () => {
  it('chooses λ as comparing the read value does, at and around the target, with the same loss', () => {
    const before = tf.memory().numTensors;
    const terms = { bpp: tf.scalar(0.31), mse: tf.scalar(42.5), lpips: tf.scalar(0.2), gan: tf.scalar(0.7) };
    for (const step of [0, 60000]) {
      const { target, lambdaA, lambdaB } = hificRateSchedule(step);
      const t32 = Math.fround(target);
      // Float32 rates on both sides of the float64 target, the float32 nearest to it included.
      const rates = [0, target / 2, nextFloat32(t32, false), t32, nextFloat32(t32, true), nextFloat32(nextFloat32(t32, true), true), 2 * target];
      for (const q of rates) {
        const read = Math.fround(q); // what a read of the float32 tensor gives
        const fromNumber = hificGeneratorLoss({ ...terms, qbpp: read }, step);
        const qbpp = tf.scalar(q);
        const fromTensor = hificGeneratorLoss({ ...terms, qbpp }, step);
        expect(fromNumber.lambda).toBe(read > target ? lambdaA : lambdaB);
        expect(fromTensor.lambda.dataSync()[0]).toBe(Math.fround(fromNumber.lambda));
        expect(fromTensor.loss.dataSync()[0]).toBe(fromNumber.loss.dataSync()[0]);
        tf.dispose([qbpp, fromNumber.loss, fromTensor.loss, fromTensor.lambda]);
      }
    }
    tf.dispose(Object.values(terms));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('passes no gradient through the quantized rate, and the same gradient to the rest', () => {
    const bpp = tf.variable(tf.scalar(0.3));
    const q = tf.variable(tf.scalar(0.5));
    const mse = tf.scalar(10);
    const viaTensor = tf.variableGrads(() => hificGeneratorLoss({ bpp, mse, qbpp: tf.mul(q, 1) as tf.Scalar }, 0).loss, [bpp, q]);
    const viaNumber = tf.variableGrads(() => hificGeneratorLoss({ bpp, mse, qbpp: 0.5 }, 0).loss, [bpp]);
    expect(viaTensor.grads[q.name]!.dataSync()[0]).toBe(0);
    expect(viaTensor.grads[bpp.name]!.dataSync()[0]).toBe(viaNumber.grads[bpp.name]!.dataSync()[0]);
    tf.dispose([bpp, q, mse, viaTensor.value, viaNumber.value, ...Object.values(viaTensor.grads), ...Object.values(viaNumber.grads)]);
  });
});
