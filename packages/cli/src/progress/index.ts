/**
 * Progress reporting for long-running `ncomp` commands.
 *
 * @packageDocumentation
 */
export { ansiAllowed } from './ansi.js';
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress-bar.js';
