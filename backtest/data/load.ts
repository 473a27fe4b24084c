import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { type CandleColumns, sliceColumns } from '../../core/candles.js';
import { CandleDataError } from './errors.js';
import { detectGaps, type Gap, inferTimeframe } from './gaps.js';
import { parseCandlesCsv } from './parse-csv.js';

const gunzipAsync = promisify(gunzip);

/** A validated candle file, as {@link loadCandlesFile} returns it. */
export interface LoadedCandles {
  readonly candles: CandleColumns;
  /** The path as given to the loader (errors and reports name it the same way). */
  readonly file: string;
  /** The timeframe: the one given in the options, or the most common spacing in the file. */
  readonly timeframeMs: number;
  /** Holes in the series, reported and never filled. */
  readonly gaps: readonly Gap[];
  /** Total missing candles over all gaps. */
  readonly missing: number;
}

export interface LoadCandlesOptions {
  /**
   * The expected timeframe in ms. When omitted it is inferred from the data; give it for files with a single
   * candle or when the file's own spacing must not be trusted.
   */
  readonly timeframeMs?: number;
}

/**
 * Reads and validates a candle file: plain `.csv`, or gzip when the name ends in `.gz` (e.g. `.csv.gz`). The
 * compression is chosen by the extension, not by sniffing bytes, so a mislabelled file fails loudly instead of
 * being silently accepted.
 *
 * The whole file is read into memory and parsed in one pass with {@link parseCandlesCsv}; gaps are then
 * detected (not filled) on the inferred or given timeframe.
 *
 * @throws {CandleDataError} `CSV_READ` when the file cannot be read or decompressed, `CSV_TIMEFRAME` when the
 * timeframe cannot be inferred (a single candle) and was not given, or any parse error of
 * {@link parseCandlesCsv}; every error names `path`.
 */
export async function loadCandlesFile(
  path: string,
  options: LoadCandlesOptions = {},
): Promise<LoadedCandles> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new CandleDataError({
      code: 'CSV_READ',
      file: path,
      rule: 'the file exists and is readable',
      detail: `cannot read the file (${reason})`,
      cause,
    });
  }
  if (path.endsWith('.gz')) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (cause) {
      throw new CandleDataError({
        code: 'CSV_READ',
        file: path,
        rule: 'a .gz file is valid gzip',
        detail: `cannot decompress the file (${(cause as Error).message})`,
        cause,
      });
    }
  }
  // Invalid UTF-8 becomes U+FFFD and then fails as CSV_NUMBER/CSV_HEADER with a line number, which says more
  // than a decoder error without one.
  const { candles } = parseCandlesCsv(bytes.toString('utf8'), path);
  const timeframeMs = options.timeframeMs ?? inferTimeframe(candles);
  if (timeframeMs === undefined) {
    throw new CandleDataError({
      code: 'CSV_TIMEFRAME',
      file: path,
      rule: 'the timeframe is given or at least 2 candles',
      detail: 'cannot infer the timeframe from a single candle; pass options.timeframeMs',
    });
  }
  const report = detectGaps(candles, timeframeMs);
  return { candles, file: path, timeframeMs, gaps: report.gaps, missing: report.missing };
}

/** First index whose timestamp is >= `t` (binary search; `ts` is strictly increasing). */
export function lowerBound(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The candles with `fromMs <= ts < toMs`, as subarray views sharing memory with `cols` (no copy, so
 * backtests can slice a long history cheaply; copy with `.slice()` before mutating). Either bound may be
 * omitted; an empty or inverted range gives empty columns.
 */
export function filterRange(cols: CandleColumns, fromMs?: number, toMs?: number): CandleColumns {
  const start = fromMs === undefined ? 0 : lowerBound(cols.ts, fromMs);
  const end = toMs === undefined ? cols.ts.length : lowerBound(cols.ts, toMs);
  return sliceColumns(cols, start, Math.max(start, end));
}
