/**
 * Gradient registrations TF.js lacks.
 *
 * 1. `@tensorflow/tfjs-core` alone does not register the gradients of its ops, and
 *    its gradient files cannot be imported by Node's ESM loader (they use directory
 *    imports). The `@tensorflow/tfjs` bundle registers them all into the registry that
 *    every copy of tfjs-core shares, so it is imported here; without it `tf.grad`
 *    fails with "gradient function not found". (It also registers the cpu and webgl
 *    backends; `setBackend` always picks one explicitly.)
 * 3. Conv2D gradients on wasm: see `kernels/conv2d-gradient.ts`.
 * 4. Faster wasm kernels for `BatchMatMul` with transposes or batches (every matMul
 *    gradient has them), `Slice` and `SplitV` (every concat and slice gradient): see
 *    `kernels/wasm-kernels.ts`. Kernels, not gradients, but training is what needs them.
 * 2. Comparisons and logical ops have no gradient in TF.js, so a `tf.where` whose
 *    condition is computed from a differentiable tensor breaks `tf.grad`, although
 *    the condition carries no gradient by nature. They are registered here with zero
 *    gradients, as TensorFlow treats boolean results as non-differentiable.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
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
