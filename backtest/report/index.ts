/**
 * Backtest reports: a JSON record of the run, a self-contained interactive HTML page (uPlot inlined) and a PNG
 * of the equity curve, all rendered from one validated {@link BacktestReportInput}.
 */
export { isReportError, ReportError, type ReportErrorCode } from './errors.js';
export { renderHtml } from './html.js';
export { renderPng } from './png.js';
export { decimate, renderEquitySvg, SVG_HEIGHT, SVG_WIDTH } from './svg.js';
export {
  type BacktestReportInput,
  BacktestReportInputSchema,
  REPORT_SCHEMA_VERSION,
  type ReportMetrics,
  ReportMetricsSchema,
  ReportSeriesSchema,
  type ReportTrade,
  ReportTradeSchema,
} from './types.js';
export {
  formatReportJson,
  parseReportInput,
  reportRunName,
  type WriteReportOptions,
  type WrittenReport,
  writeReport,
} from './write.js';
