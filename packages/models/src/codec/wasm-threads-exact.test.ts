// Its own test file (its own process): the wasm backend initialises here for the first time,
// on 2 threads (vitest.setup.ts makes one thread the default of the other files).
import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { HIFIC_SMALL_CONFIG } from '../zoo/hific.js';
import { createModel } from '../zoo/registry.js';
import type { BaselineConfig } from '../zoo/baseline-config.js';
import type { ImageCodec } from './image-codec.js';
import { synthesizeTiled } from './tiled-transforms.js';
import { probeReach } from './tiling.js';

beforeAll(async () => {
  const report = await setBackend('wasm', { wasmThreads: 2 });
  expect(report.reason).toContain('2 threads (worker_threads)');
});

/** An image with structure everywhere. */
function image(h: number, w: number): Float32Array {
  return Float32Array.from({ length: h * w * 3 }, (_, i) => {
    const p = Math.floor(i / 3);
    return 0.5 + 0.4 * Math.sin((p % w) / 3 + (i % 3)) * Math.cos(Math.floor(p / w) / 5) + 0.05 * Math.sin(i * 12.9898);
  });
}

/** The bits of `values`, for an exact comparison that NaNs and signed zeros cannot fool. */
const bits = (values: ArrayLike<number>): Uint32Array => new Uint32Array(Float32Array.from(values).buffer);

// Issue 15 made wasm threads opt-in after HiFiC's tiled synthesis in tiling.test.ts differed
// from the whole image by up to 0.05 on 2 threads in one run of two. The cause was not the
// threads: probeReach's threshold measured too small a margin for some random weights (one
// thread included; fixed there). These pin what threads must keep: XNNPACK's pool splits
// each kernel's outputs between threads, never a sum, so results are the same bits on every
// run and for every tile.
describe.each([
  ['hific', HIFIC_SMALL_CONFIG],
  ['bmshj2018', { N: 32, M: 48 }],
])('wasm on 2 threads, %s: the same bits on every run', (name, config) => {
  let model: ImageCodec;
  beforeAll(() => {
    model = createModel(name, config as BaselineConfig);
    model.update();
  });

  it('g_a, g_s and the tiled g_s repeated give identical bits; tiles equal the whole image exactly', async () => {
    const before = tf.memory().numTensors;
    const d = model.downsampling;
    const [height, width] = [5 * d, 7 * d];
    const x = tf.tensor4d(image(height, width), [1, height, width, 3]);
    const gs = (y: tf.Tensor4D): tf.Tensor4D => model.synthesis.call(y) as tf.Tensor4D;
    const y = tf.tidy(() => model.analysis.call(x) as tf.Tensor4D);
    const first = { y: bits(y.dataSync()), x: bits(tf.tidy(() => gs(y).dataSync())) };
    const size = { height, width, paddedHeight: height, paddedWidth: width };
    const margin = (await probeReach(gs, 1, d, model.latentCodec.latentChannels)) + 1;
    const whole = bits(tf.tidy(() => tf.clipByValue(gs(y), 0, 1).dataSync()));
    for (let run = 0; run < 3; run++) {
      expect(bits(tf.tidy(() => (model.analysis.call(x) as tf.Tensor).dataSync()))).toEqual(first.y);
      expect(bits(tf.tidy(() => gs(y).dataSync()))).toEqual(first.x);
      expect(bits(await synthesizeTiled(gs, y, size, { downsampling: d, tile: 2, margin }))).toEqual(whole);
    }
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a training gradient repeated gives identical bits (the Conv2D gradients and transposed convolutions of @ncomp/core)', () => {
    const d = model.downsampling;
    const x = tf.tensor4d(image(4 * d, 4 * d), [1, 4 * d, 4 * d, 3]);
    const variables = model.trainableVariables();
    const loss = (): tf.Scalar => tf.mean(tf.square(tf.sub(model.synthesis.call(model.analysis.call(x) as tf.Tensor4D) as tf.Tensor4D, x)));
    const grads = (): Uint32Array[] => {
      const { value, grads: g } = tf.variableGrads(loss, variables);
      const out = Object.keys(g)
        .sort()
        .map((name) => bits(g[name]!.dataSync()));
      tf.dispose([value, ...Object.values(g)]);
      return out;
    };
    const first = grads();
    expect(first.length).toBeGreaterThan(4);
    expect(grads()).toEqual(first);
    expect(grads()).toEqual(first);
    x.dispose();
  });
});
