/**
 * Loads the candles a backtest runs on: a validated CSV (plain or gzip), its SHA-256 (so a result names the
 * exact data it came from), optionally resampled to a larger timeframe.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CandleColumns } from '../core/index.js';
import { loadCandlesFile, parseTimeframe, resample } from './data/index.js';
import { BacktestInputError } from './errors.js';
import { timeframeName } from './record.js';

/** Candles ready for the engine. */
export interface Dataset {
  /** The path as given. */
  readonly file: string;
  readonly candles: CandleColumns;
  readonly timeframeMs: number;
  /** SHA-256 of the file's bytes, hex. */
  readonly sha256: string;
  /** Candle slots missing in the file (gaps are reported, never filled). */
  readonly missing: number;
}

/**
 * Loads and validates `file`; with `timeframe`, resamples to it (it must be a multiple of the file's).
 *
 * @throws CandleDataError when the file is unreadable or malformed (names file:line and the rule).
 * @throws BacktestInputError when `timeframe` is unknown or not a multiple of the file's timeframe.
 */
export async function loadDataset(
  file: string,
  opts: { readonly timeframe?: string } = {},
): Promise<Dataset> {
  const loaded = await loadCandlesFile(file);
  const sha256 = createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
  let candles = loaded.candles;
  let timeframeMs = loaded.timeframeMs;
  if (opts.timeframe !== undefined) {
    let target: number;
    try {
      target = parseTimeframe(opts.timeframe);
    } catch (e) {
      throw new BacktestInputError(`--timeframe: ${(e as Error).message}`);
    }
    if (target !== timeframeMs) {
      if (target < timeframeMs || target % timeframeMs !== 0) {
        throw new BacktestInputError(
          `${file} holds ${timeframeName(timeframeMs)} candles, which cannot be resampled to ${opts.timeframe}`,
        );
      }
      try {
        candles = resample(candles, timeframeMs, target);
      } catch (e) {
        throw new BacktestInputError(
          `${file}: cannot resample to ${opts.timeframe}: ${(e as Error).message}`,
        );
      }
      timeframeMs = target;
    }
  }
  return { file, candles, timeframeMs, sha256, missing: loaded.missing };
}
