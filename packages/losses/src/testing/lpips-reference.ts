/**
 * A deliberately plain LPIPS for tests: the published recipe written out with basic
 * TF.js ops (no custom gradients), with the torchvision layer lists spelled out
 * independently of `lpips/backbone.ts`. Gradients come from TF.js's own autodiff.
 * Not part of the public API.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SafetensorsTensor } from '@ncomp/core';

/** Weights in PyTorch layout (OIHW convs), by name. */
export type ReferenceWeights = ReadonlyMap<string, tf.Tensor>;

type Step = ['conv', number, number, number] | ['fire', number] | ['pool', boolean] | ['pool2'] | ['tap'];

/** torchvision `features` indices: [conv index, stride, pad]; every conv is followed by ReLU. */
const LAYERS: Readonly<Record<'alex' | 'squeeze' | 'vgg', readonly Step[]>> = {
  alex: [
    ['conv', 0, 4, 2],
    ['tap'],
    ['pool', false],
    ['conv', 3, 1, 2],
    ['tap'],
    ['pool', false],
    ['conv', 6, 1, 1],
    ['tap'],
    ['conv', 8, 1, 1],
    ['tap'],
    ['conv', 10, 1, 1],
    ['tap'],
  ],
  squeeze: [
    ['conv', 0, 2, 0],
    ['tap'],
    ['pool', true],
    ['fire', 3],
    ['fire', 4],
    ['tap'],
    ['pool', true],
    ['fire', 6],
    ['fire', 7],
    ['tap'],
    ['pool', true],
    ['fire', 9],
    ['tap'],
    ['fire', 10],
    ['tap'],
    ['fire', 11],
    ['tap'],
    ['fire', 12],
    ['tap'],
  ],
  // VGG16 cfg D: 64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512, taps at relu1_2 ... relu5_3.
  vgg: [
    ['conv', 0, 1, 1],
    ['conv', 2, 1, 1],
    ['tap'],
    ['pool2'],
    ['conv', 5, 1, 1],
    ['conv', 7, 1, 1],
    ['tap'],
    ['pool2'],
    ['conv', 10, 1, 1],
    ['conv', 12, 1, 1],
    ['conv', 14, 1, 1],
    ['tap'],
    ['pool2'],
    ['conv', 17, 1, 1],
    ['conv', 19, 1, 1],
    ['conv', 21, 1, 1],
    ['tap'],
    ['pool2'],
    ['conv', 24, 1, 1],
    ['conv', 26, 1, 1],
    ['conv', 28, 1, 1],
    ['tap'],
  ],
};

function conv(x: tf.Tensor4D, weights: ReferenceWeights, name: string, stride: number, pad: number): tf.Tensor4D {
  const w = tf.transpose(weights.get(`${name}.weight`)!, [2, 3, 1, 0]) as tf.Tensor4D;
  const padded = tf.pad(x, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
  return tf.relu(tf.add(tf.conv2d(padded, w, stride, 'valid'), weights.get(`${name}.bias`)!)) as tf.Tensor4D;
}

/** PyTorch MaxPool2d(3, 2, ceil_mode): pad bottom / right with -Infinity so the last window fits. */
function pool3(x: tf.Tensor4D, ceil: boolean): tf.Tensor4D {
  if (!ceil) return tf.maxPool(x, 3, 2, 'valid');
  const [, h, w] = x.shape;
  const out = (s: number): number => {
    let o = Math.ceil((s - 3) / 2) + 1;
    if ((o - 1) * 2 >= s) o--;
    return o;
  };
  const ph = (out(h) - 1) * 2 + 3 - h;
  const pw = (out(w) - 1) * 2 + 3 - w;
  return tf.maxPool(
    tf.pad(
      x,
      [
        [0, 0],
        [0, ph],
        [0, pw],
        [0, 0],
      ],
      -Infinity,
    ),
    3,
    2,
    'valid',
  );
}

/**
 * LPIPS v0.1 per image pair, `[n]`, for images in [0, 1]: scaling layer, backbone,
 * `normalize_tensor` (f / (sqrt(sum f^2) + 1e-10)), squared difference, 1x1 linear
 * head, spatial mean, sum over taps.
 */
export function referenceLpips(net: 'alex' | 'squeeze' | 'vgg', weights: ReferenceWeights, x: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const shift = tf.tensor1d([-0.03, -0.088, -0.188]);
    const scale = tf.tensor1d([0.458, 0.448, 0.45]);
    const features = (img: tf.Tensor4D): tf.Tensor4D[] => {
      let h = tf.div(tf.sub(tf.sub(tf.mul(img, 2), 1), shift), scale) as tf.Tensor4D;
      const taps: tf.Tensor4D[] = [];
      for (const step of LAYERS[net]) {
        if (step[0] === 'conv') h = conv(h, weights, `features.${step[1]}`, step[2], step[3]);
        else if (step[0] === 'fire') {
          const s = conv(h, weights, `features.${step[1]}.squeeze`, 1, 0);
          h = tf.concat([conv(s, weights, `features.${step[1]}.expand1x1`, 1, 0), conv(s, weights, `features.${step[1]}.expand3x3`, 1, 1)], 3);
        } else if (step[0] === 'pool') h = pool3(h, step[1]);
        else if (step[0] === 'pool2') h = tf.maxPool(h, 2, 2, 'valid');
        else taps.push(h);
      }
      return taps;
    };
    const normalize = (f: tf.Tensor4D): tf.Tensor4D => tf.div(f, tf.add(tf.sqrt(tf.sum(tf.square(f), 3, true)), 1e-10));
    const fx = features(x);
    const fy = features(y);
    let total = tf.zeros([x.shape[0]]);
    fx.forEach((a, k) => {
      const diff = tf.square(tf.sub(normalize(a), normalize(fy[k]!))) as tf.Tensor4D;
      const c = a.shape[3];
      const lin = tf.conv2d(diff, tf.reshape(weights.get(`lin${k}.weight`)!, [1, 1, c, 1]), 1, 'valid');
      total = tf.add(total, tf.reshape(tf.mean(lin, [1, 2, 3]), [x.shape[0]]));
    });
    return total as tf.Tensor1D;
  });
}

/** Float tensors of a decoded safetensors file, in their stored (PyTorch) layout. Dispose them when done. */
export function referenceWeights(tensors: ReadonlyMap<string, SafetensorsTensor>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, t] of tensors) {
    if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) throw new Error(`${name}: not a float tensor`);
    out.set(name, tf.tensor(Float32Array.from(t.data), [...t.shape]));
  }
  return out;
}
