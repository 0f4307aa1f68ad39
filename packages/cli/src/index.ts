/**
 * `@ncomp/cli`: the `ncomp` command (compress, decompress, train, eval, info, models) and
 * its building blocks, usable from scripts.
 *
 * @packageDocumentation
 */
export { EXIT, main, mainHelp, type Io, type TextSink } from './main.js';
export type { CommandContext } from './commands/context.js';
export { COMMANDS, type CommandSpec, type OptionSpec } from './commands/registry.js';
export * from './image/index.js';
export * from './baselines/index.js';
export * from './eval/index.js';
export * from './progress/index.js';
