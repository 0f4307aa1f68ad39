/**
 * `@ncomp/cli`: the `ncomp` command (compress, decompress, train, eval, info, models) and
 * its building blocks, usable from scripts.
 *
 * @packageDocumentation
 */
export { commandHelp, main, mainHelp, type ByteSource, type Io, type TextSink } from './main.js';
export { EXIT, exitCodesHelp } from './exit-codes.js';
export type { CommandContext, ReportedFailure } from './commands/context.js';
export { COMMANDS, type CommandSpec, type OptionSpec } from './commands/registry.js';
export * from './image/index.js';
export * from './baselines/index.js';
export * from './eval/index.js';
export * from './progress/index.js';
export type {
  CompressReport,
  CompressedFileReport,
  ContainerReport,
  DecompressReport,
  DecompressedFileReport,
  EvalReport,
  InfoBackendReport,
  InfoFilesReport,
  JsonCounts,
  JsonFailure,
  JsonFileFailure,
  JsonReportBase,
} from './commands/json-reports.js';
export type { EvalResults } from './commands/eval-results.js';
export type { MatchedMean, SummaryRow } from './commands/eval-report.js';
export type { EvalRow } from './commands/eval-rows.js';
