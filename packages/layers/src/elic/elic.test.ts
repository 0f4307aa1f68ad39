import { InvalidArgumentError, setBackend, ShapeError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, expectStateDictRoundTrip, take, uniform } from '../test-helpers.js';
import { ElicAnalysis } from './elic-analysis.js';
import { ElicSynthesis } from './elic-synthesis.js';
import { ResidualBottleneckBlock } from './residual-bottleneck-block.js';
import { SimplifiedAttention } from './simplified-attention.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Sets every variable of the given convolutions to 0. */
function zero(...convs: Array<{ kernel: tf.Variable; bias: tf.Variable | undefined }>): void {
  for (const c of convs) {
    for (const v of [c.kernel, c.bias]) {
      if (v === undefined) continue;
      const z = tf.zerosLike(v);
      v.assign(z);
      z.dispose();
    }
  }
}

/** Expects every trainable variable of `m` to get a finite, not identically zero gradient. */
function expectAllConnected(m: { trainableVariables(): tf.Variable[] }, loss: () => tf.Scalar): void {
  const vars = m.trainableVariables();
  const { value, grads } = tf.variableGrads(loss, vars);
  for (const v of vars) {
    const g = take(grads[v.name]!);
    expect(g.every(Number.isFinite), v.name).toBe(true);
    expect(
      g.some((e) => e !== 0),
      `gradient of ${v.name} is zero`,
    ).toBe(true);
  }
  value.dispose();
}

describe('ResidualBottleneckBlock', () => {
  it('computes x + conv3(relu(conv2(relu(conv1(x))))) with c/2 inner channels on 17x23', () => {
    expectNoLeak(() => {
      const rb = new ResidualBottleneckBlock(5);
      expect(rb.hiddenChannels).toBe(2);
      expect([...rb.namedVariables().entries()].map(([k, v]) => `${k}:${v.shape.join('x')}`)).toEqual([
        'conv1.kernel:1x1x5x2',
        'conv1.bias:2',
        'conv2.kernel:3x3x2x2',
        'conv2.bias:2',
        'conv3.kernel:1x1x2x5',
        'conv3.bias:5',
      ]);
      const x = uniform([2, 17, 23, 5], 1);
      const manual = tf.tidy(() => tf.add(x, rb.conv3.call(tf.relu(rb.conv2.call(tf.relu(rb.conv1.call(x)))))));
      const y = rb.call(x);
      expect(y.shape).toEqual([2, 17, 23, 5]);
      expect(take(y)).toEqual(take(manual));
      zero(rb.conv3);
      expect(take(rb.call(x))).toEqual(take(tf.clone(x)));
      const bad = tf.zeros([1, 3, 3, 4]);
      expect(() => rb.call(bad)).toThrow(ShapeError);
      tf.dispose([x, bad]);
      rb.dispose();
    });
  });
});

describe('SimplifiedAttention', () => {
  it('computes x + trunk(x) * sigmoid(conv1x1(branch(x))), i.e. x + trunk(x) / 2 with a zero gate', () => {
    expectNoLeak(() => {
      const att = new SimplifiedAttention(4);
      expect(att.trunk).toHaveLength(3);
      expect(att.branch).toHaveLength(3);
      const names = [...att.namedVariables().keys()];
      expect(names.filter((n) => n.endsWith('.kernel'))).toHaveLength(3 * 3 * 2 + 1);
      expect(names.at(-1)).toBe('branchConv.bias');
      const x = uniform([1, 17, 23, 4], 2);
      const seq = (blocks: readonly ResidualBottleneckBlock[], t: tf.Tensor): tf.Tensor => blocks.reduce((h, b) => b.call(h), t);
      const manual = tf.tidy(() => tf.add(x, tf.mul(seq(att.trunk, x), tf.sigmoid(att.branchConv.call(seq(att.branch, x))))));
      const y = att.call(x);
      expect(y.shape).toEqual([1, 17, 23, 4]);
      expectClose(take(y), take(manual), 1e-6, 1e-6);
      zero(att.branchConv);
      const half = tf.tidy(() => tf.add(x, tf.mul(seq(att.trunk, x), 0.5)));
      expectClose(take(att.call(x)), take(half), 1e-6, 1e-6);
      x.dispose();
      att.dispose();
    });
  });
});

describe('ElicAnalysis and ElicSynthesis', () => {
  const channels = [4, 4, 6, 8] as const;

  it('analysis maps 17x23 to ceil(H/16) x ceil(W/16) with the MRIC layout, every variable connected', () => {
    expectNoLeak(() => {
      const ga = new ElicAnalysis({ channels });
      const names = [...ga.children().keys()];
      expect(names).toEqual([
        'conv0',
        'res0_0',
        'res0_1',
        'res0_2',
        'conv1',
        'res1_0',
        'res1_1',
        'res1_2',
        'attention1',
        'conv2',
        'res2_0',
        'res2_1',
        'res2_2',
        'conv3',
        'attention3',
      ]);
      expect(ga.namedVariables().get('conv0.kernel')!.shape).toEqual([5, 5, 3, 4]);
      expect(ga.namedVariables().get('conv3.kernel')!.shape).toEqual([5, 5, 6, 8]);
      for (const [h, w] of [
        [17, 23],
        [32, 48],
      ] as const) {
        const x = uniform([1, h, w, 3], h, 0, 255);
        const y = ga.call(x);
        expect(y.shape).toEqual([1, Math.ceil(h / 16), Math.ceil(w / 16), 8]);
        tf.dispose([x, y]);
      }
      const x = uniform([1, 17, 23, 3], 3);
      expectAllConnected(ga, () => tf.sum(tf.square(ga.call(x))) as tf.Scalar);
      x.dispose();
      ga.dispose();
    });
  });

  it('synthesis mirrors it: h x w latent -> 16h x 16w image, every variable connected', () => {
    expectNoLeak(() => {
      const gs = new ElicSynthesis({ latentChannels: 8, channels: [6, 4, 4, 3], numResidualBlocks: 2 });
      expect([...gs.children().keys()]).toEqual([
        'attention0',
        'conv0',
        'res0_0',
        'res0_1',
        'conv1',
        'attention1',
        'res1_0',
        'res1_1',
        'conv2',
        'res2_0',
        'res2_1',
        'conv3',
      ]);
      expect(gs.namedVariables().get('conv0.kernel')!.shape).toEqual([5, 5, 6, 8]);
      const y = uniform([2, 2, 3, 8], 4);
      const x = gs.call(y);
      expect(x.shape).toEqual([2, 32, 48, 3]);
      x.dispose();
      expectAllConnected(gs, () => tf.sum(tf.square(gs.call(y))) as tf.Scalar);
      y.dispose();
      gs.dispose();
    });
  });

  it('honours the padding option, refuses bad configurations, and round-trips state dicts', () => {
    expectNoLeak(() => {
      const ga = new ElicAnalysis({ channels, numResidualBlocks: 0, padding: 'same_zeros', inputChannels: 1 });
      expect([...ga.children().keys()]).toEqual(['conv0', 'conv1', 'attention1', 'conv2', 'conv3', 'attention3']);
      const x = uniform([1, 33, 17, 1], 5);
      const y = ga.call(x);
      expect(y.shape).toEqual([1, 3, 2, 8]);
      tf.dispose([x, y]);
      ga.dispose();
      expect(() => new ElicAnalysis({ channels: [4, 4, 4] as never })).toThrow(InvalidArgumentError);
      expect(() => new ElicSynthesis({ channels: [4, 4, 0, 3] })).toThrow(InvalidArgumentError);
    });
    expectStateDictRoundTrip(
      () => new ElicAnalysis({ channels: [2, 2, 2, 2], numResidualBlocks: 1 }),
      (m) => tf.tidy(() => m.call(uniform([1, 16, 16, 3], 6))),
    );
    expectStateDictRoundTrip(
      () => new ElicSynthesis({ latentChannels: 2, channels: [2, 2, 2, 3], numResidualBlocks: 1 }),
      (m) => tf.tidy(() => m.call(uniform([1, 1, 2, 2], 7))),
    );
  });
});
