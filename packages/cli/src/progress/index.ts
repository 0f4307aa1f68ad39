/**
 * Progress reporting for long-running `ncomp` commands.
 *
 * @packageDocumentation
 */
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress-bar.js';
