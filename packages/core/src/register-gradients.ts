/**
 * Gradient registrations TF.js lacks (and TF.js's own, which its core package does not make).
 *
 * 1. `@tensorflow/tfjs-core`'s Node entry registers neither the gradients of its ops
 *    (without them `tf.grad` fails with "gradient function not found") nor the chained
 *    tensor methods (`x.reshape(...)`), and its own files for both cannot be imported by
 *    Node's ESM loader (extensionless imports). The build bundles them into
 *    `vendor/tfjs-registrations.js` (`scripts/bundle-tfjs-registrations.mjs`), as the
 *    `@tensorflow/tfjs` bundle does, without its layers, converter, data and webgl
 *    packages; they register into the registries that every copy of tfjs-core shares.
 *    No backend is registered here: `setBackend` imports the one it picks.
 * 2. Comparisons and logical ops have no gradient in TF.js, so a `tf.where` whose
 *    condition is computed from a differentiable tensor breaks `tf.grad`, although
 *    the condition carries no gradient by nature. They are registered here with zero
 *    gradients, as TensorFlow treats boolean results as non-differentiable.
 * 3. Conv2D gradients on wasm: see `kernels/conv2d-gradient.ts`.
 * 4. Faster wasm kernels for `BatchMatMul` with transposes or batches (every matMul
 *    gradient has them), `Slice` and `SplitV` (every concat and slice gradient): see
 *    `kernels/wasm-kernels.ts`. Kernels, not gradients, but training is what needs them.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../vendor/tfjs-registrations.js';
// The chained methods' types (`x.reshape(...)`), for what the bundle above registers.
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import { registerConv2dGradient } from './kernels/conv2d-gradient.js';
import { registerWasmKernels } from './kernels/wasm-kernels.js';

const BINARY_BOOLEAN_KERNELS = ['Less', 'LessEqual', 'Greater', 'GreaterEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr'];

for (const kernelName of BINARY_BOOLEAN_KERNELS) {
  if (tf.getGradient(kernelName) === undefined) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
}
if (tf.getGradient('LogicalNot') === undefined) {
  tf.registerGradient({
    kernelName: 'LogicalNot',
    inputsToSave: ['x'],
    gradFunc: (_dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.zerosLike(x) };
    },
  });
}

// 3. Conv2D gradients through forward convolutions on wasm (see kernels/conv2d-gradient.ts).
registerConv2dGradient();

// 4. Faster wasm BatchMatMul (transposed / batched products), Slice and SplitV (kernels/wasm-kernels.ts);
// installed here when the wasm package is already loaded, else by setBackend('wasm').
registerWasmKernels();
