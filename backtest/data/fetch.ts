/**
 * Downloading a range of closed candles page by page from a source such as ccxt's `fetchOHLCV` (see
 * `cli/fetch-data.ts`), and writing them in the bundled CSV format. The paging is pure: the source is
 * injected, so it is tested without a network.
 */
import type { Candle } from '../../core/candles.js';
import { CANDLES_CSV_HEADER } from './parse-csv.js';

/** One page of candles from `since` (inclusive), at most `limit`, oldest first. */
export type CandlePage = (since: number, limit: number) => Promise<readonly Candle[]>;

export interface FetchRange {
  /** First candle open time wanted (ms, inclusive). */
  readonly fromMs: number;
  /** End of the range (ms, exclusive). */
  readonly toMs: number;
  readonly timeframeMs: number;
  /** The current time: a candle is kept only once closed (`ts + timeframe <= now`), never while forming. */
  readonly nowMs: number;
  /** Candles asked per page. */
  readonly pageLimit: number;
  /** Stops after this many pages even if the range is not complete (a bound, not an expected count). */
  readonly maxPages: number;
  /** Told after each page with the candles kept so far. */
  readonly onPage?: (kept: number) => void;
}

/**
 * Fetches the closed candles of `[fromMs, toMs)`, oldest first, strictly increasing: each page starts one
 * timeframe after the last candle kept. Pages may overlap or run past the range (exchanges differ); what is
 * outside the range, already kept, or still forming is dropped. Stops at the end of the range, at a page
 * that brings nothing new (the exchange has no more), or after `maxPages`. Holes the exchange leaves stay
 * holes: nothing is invented.
 */
export async function fetchCandleRange(page: CandlePage, r: FetchRange): Promise<Candle[]> {
  const out: Candle[] = [];
  const end = closedEnd(r.toMs, r.nowMs, r.timeframeMs);
  let since = r.fromMs;
  for (let n = 0; n < r.maxPages && since < end; n++) {
    const rows = await page(since, r.pageLimit);
    let added = 0;
    for (const c of rows) {
      const last = out[out.length - 1];
      if (c.ts < since || c.ts >= end || (last !== undefined && c.ts <= last.ts)) continue;
      out.push(c);
      added++;
    }
    r.onPage?.(out.length);
    if (added === 0) break;
    since = out[out.length - 1]!.ts + r.timeframeMs;
  }
  return out;
}

/** The end (exclusive) of the candle open times within `toMs` that are closed at `nowMs`. */
export function closedEnd(toMs: number, nowMs: number, timeframeMs: number): number {
  return Math.min(toMs, nowMs - timeframeMs + 1);
}

/** Candles as the CSV the loader reads (`timestamp,open,high,low,close,volume`), numbers in full precision. */
export function candlesToCsv(candles: readonly Candle[]): string {
  const lines = [CANDLES_CSV_HEADER];
  for (const c of candles) lines.push(`${c.ts},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
  return `${lines.join('\n')}\n`;
}
