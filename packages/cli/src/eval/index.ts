/**
 * Evaluation helpers of the `ncomp` command: Bjøntegaard delta metrics, RD plots as SVG
 * and CSV output.
 *
 * @packageDocumentation
 */
export { bdPsnr, bdRate, type RdPoint } from './bd-rate.js';
export { rdPlotSvg, escapeXml, type RdPlotOptions, type RdPlotPoint, type RdSeries } from './rd-plot.js';
export { niceTicks, type NiceTicks } from './nice-ticks.js';
export { toCsv, type CsvOptions } from './csv.js';
export { controlTradeoffs, describeTradeoff, type ControlRow, type ControlTradeoff } from './control-tradeoff.js';
