/**
 * Kernel replacements for TF.js 4.22's `webgpu` backend, registered in place of its own (as
 * `wasm-kernels.ts` does for wasm): callers keep using plain TF.js ops.
 *
 * - `AddN`: TF.js's WebGPU shader binds every input as a storage buffer, and a device allows
 *   only `maxStorageBuffersPerShaderStage` of them (the WebGPU default is 8; Mesa's lavapipe
 *   through Dawn gives 8). With more inputs (a global gradient norm over a model's 30
 *   parameters) the pipeline is invalid: Dawn prints a validation error and the result is
 *   garbage, silently. The replacement sums at most `limit - 1` inputs per shader (one buffer
 *   is the output), then sums the partial sums the same way. Its concat kernel already splits so.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The part of TF.js's `WebGPUBackend` used here. */
interface WebGpuBackendLike {
  readonly device?: { readonly limits?: { readonly maxStorageBuffersPerShaderStage?: number } };
  disposeData(dataId: object): boolean;
}

type KernelFunc = (params: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => tf.TensorInfo | tf.TensorInfo[];

const installed = new Set<unknown>();

/**
 * The most inputs one `AddN` shader takes on `backend`: its storage-buffer limit less the
 * output, 8 when the device does not say (the WebGPU default).
 */
export function addNGroupSize(backend: unknown): number {
  const limit = (backend as WebGpuBackendLike).device?.limits?.maxStorageBuffersPerShaderStage ?? 8;
  return Math.max(2, limit - 1);
}

/**
 * Replaces the webgpu `AddN` kernel by one that sums inputs in groups the device can bind
 * (idempotent; a no-op until `@tensorflow/tfjs-backend-webgpu` has registered its kernels).
 *
 * @returns Whether the replacement is in place.
 */
export function registerWebGpuKernels(): boolean {
  const original = tf.getKernel('AddN', 'webgpu');
  if (original === undefined) return false;
  if (installed.has(original.kernelFunc)) return true;
  const base = original.kernelFunc as unknown as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    let terms = Object.values(args.inputs) as tf.TensorInfo[];
    const group = addNGroupSize(args.backend);
    if (terms.length <= group) return base(args);
    const backend = args.backend as WebGpuBackendLike;
    const temps: tf.TensorInfo[] = [];
    try {
      while (terms.length > group) {
        const sums: tf.TensorInfo[] = [];
        for (let i = 0; i < terms.length; i += group) {
          const part = terms.slice(i, i + group);
          if (part.length === 1) {
            sums.push(part[0]!);
            continue;
          }
          const sum = base({ ...args, inputs: part as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
          temps.push(sum);
          sums.push(sum);
        }
        terms = sums;
      }
      return base({ ...args, inputs: terms as unknown as tf.NamedTensorInfoMap });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
  installed.add(kernelFunc);
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  return true;
}
