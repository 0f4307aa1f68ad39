/**
 * The script of a gradient worker thread of {@link DataParallelRdTrainer}: builds the
 * model from its registry name and configuration on the main thread's backend, reports
 * its variables, then answers each step request with the gradients of its slice of the
 * batch. Errors are posted back as messages (the thread keeps running until the main
 * thread terminates it).
 */
import { setBackend } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { createModel } from '../../zoo/registry.js';
import { rdGradients } from '../rd-gradients.js';
import { assignPacked, totalSize } from './packing.js';
import type { StepReply, StepRequest, VariableInfo, WorkerInit } from './protocol.js';
import { errorMessage } from './remote-error.js';

const port = parentPort;
if (!port) throw new Error('gradient-worker-main.js is a worker_threads script; DataParallelRdTrainer starts it');
const init = workerData as WorkerInit;

try {
  // One XNNPACK thread per worker: the workers themselves spread the batch over the cores.
  await setBackend(init.backend, { wasmThreads: 1 });
  const model = createModel(init.model, init.config);
  const all = [...model.namedVariables()];
  const params = new Map(all.filter(([, v]) => v.trainable));
  const synced = all.filter(([, v]) => v.dtype === 'float32').map(([, v]) => v);
  const trainable = [...params.values()];
  const gradSize = totalSize(trainable);
  const variables: VariableInfo[] = all.map(([name, v]) => ({ name, shape: v.shape, dtype: v.dtype, trainable: v.trainable }));
  port.on('message', (request: StepRequest) => {
    try {
      assignPacked(synced, request.weights);
      const images = tf.tensor4d(request.images, [...request.shape]);
      let result;
      try {
        result = rdGradients(model, params, images, { quality: request.quality, lambda: request.lambda, weight: request.weight, noise: request.noise });
      } finally {
        images.dispose();
      }
      const grads = new Float32Array(gradSize);
      const present = new Uint8Array(trainable.length);
      let offset = 0;
      [...params.keys()].forEach((name, i) => {
        const g = result.grads[name];
        if (g) {
          grads.set(g.dataSync() as Float32Array, offset);
          present[i] = 1;
        }
        offset += trainable[i]!.size;
      });
      tf.dispose(Object.values(result.grads));
      const reply: StepReply = { type: 'grads', id: request.id, grads, present, loss: result.loss, bpp: result.bpp, mse: result.mse };
      port.postMessage(reply, [grads.buffer, present.buffer]);
    } catch (err) {
      port.postMessage(errorMessage(err, request.id));
    }
  });
  port.postMessage({ type: 'ready', variables, backend: tf.getBackend() });
} catch (err) {
  port.postMessage(errorMessage(err, undefined));
}
