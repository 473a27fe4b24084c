/**
 * Candle data for the backtester, the replay feed and the tests: parse and validate CSV, load files (plain or
 * gzip), detect gaps, resample to larger timeframes.
 */
export {
  CandleDataError,
  type CandleDataErrorCode,
  type CandleDataErrorInit,
  isCandleDataError,
} from './errors.js';
export { type CandlePage, candlesToCsv, closedEnd, type FetchRange, fetchCandleRange } from './fetch.js';
export { detectGaps, type Gap, type GapReport, inferTimeframe } from './gaps.js';
export { filterRange, type LoadCandlesOptions, type LoadedCandles, loadCandlesFile } from './load.js';
export { CANDLES_CSV_HEADER, CSV_RULES, type ParseResult, parseCandlesCsv } from './parse-csv.js';
export { isTimeframe, parseTimeframe, resample, TIMEFRAMES, type Timeframe } from './resample.js';
