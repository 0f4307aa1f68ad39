/**
 * File helpers (Node.js only): atomic writes that never overwrite by accident.
 *
 * @packageDocumentation
 */
export { errorCode, pathExists, writeFileAtomic, type WriteFileAtomicOptions } from './write-file-atomic.js';
export { removeTemporaryFilesSync, temporaryFiles, trackTemporaryFile, untrackTemporaryFile } from './temporary-files.js';
