/**
 * `@ncomp/models/node`: the parts of @ncomp/models that need Node.js: model files and
 * training checkpoints on disk, data-parallel training in worker threads, and the path of
 * the default model shipped in this package. `@ncomp/models` re-exports them under the
 * `node` export condition, so Node.js code imports them from either; browser bundles never
 * see them.
 *
 * @packageDocumentation
 */
export { loadModelFile, saveModelFile } from './model-file/model-file-node.js';
export { DataParallelRdTrainer, type DataParallelOptions, type WorkerModelSpec } from './training/parallel/data-parallel-trainer.js';
export { hasCheckpoint, readCheckpoint, restoreTrainer, writeCheckpoint, type Checkpoint, type CheckpointInfo } from './training/checkpoint.js';
export {
  readGanCheckpoint,
  restoreGanTrainer,
  writeGanCheckpoint,
  type GanCheckpoint,
  type GanCheckpointFiles,
  type GanCheckpointInfo,
  type GanCheckpointTrainer,
  type StagedOptions,
} from './training/gan-checkpoint.js';
export { DEFAULT_MODEL_FILE, WEIGHTS_DIR, isShippedModelName, shippedModelFile, shippedModelNames } from './zoo/default-model.js';
