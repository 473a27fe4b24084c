import type { CandleColumns } from '../../core/candles.js';

/** A hole in a candle series: `missing` candle slots after the candle that opened at `afterTs`. */
export interface Gap {
  /** Open time (epoch ms) of the last candle before the hole. */
  readonly afterTs: number;
  /** How many candles of the timeframe would fit in the hole. */
  readonly missing: number;
}

/** What {@link detectGaps} found. */
export interface GapReport {
  /** The timeframe used: the one given, or the inferred one; undefined when fewer than 2 candles and none given. */
  readonly timeframeMs: number | undefined;
  /** Gaps in time order. */
  readonly gaps: readonly Gap[];
  /** Total missing candles (sum of `gaps[].missing`). */
  readonly missing: number;
}

/**
 * Infers the timeframe as the most common difference between consecutive timestamps. The mode (not the
 * minimum) because real files have both gaps (larger differences) and the odd off-grid candle (smaller ones);
 * ties go to the smaller difference so the answer is deterministic.
 *
 * @returns the timeframe in ms, or undefined when there are fewer than 2 candles (nothing to infer from).
 */
export function inferTimeframe(cols: CandleColumns): number | undefined {
  const ts = cols.ts;
  const counts = new Map<number, number>();
  for (let i = 1; i < ts.length; i++) {
    const d = ts[i]! - ts[i - 1]!;
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [d, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && d < best)) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Finds the holes in a candle series. Reports only: candles are never invented or filled, because a filled
 * candle would be a price the market never printed (backtests must see the gap, e.g. an exchange outage).
 *
 * A difference `d` between consecutive candles leaves `ceil(d / timeframe) - 1` empty slots on the timeframe
 * grid; differences up to one timeframe (including off-grid candles) are not gaps.
 *
 * @param timeframeMs the expected spacing; inferred with {@link inferTimeframe} when omitted.
 * @throws {RangeError} when `timeframeMs` is given and is not a positive finite number.
 */
export function detectGaps(cols: CandleColumns, timeframeMs?: number): GapReport {
  if (timeframeMs !== undefined && !(Number.isFinite(timeframeMs) && timeframeMs > 0)) {
    throw new RangeError(`timeframeMs must be a positive number of milliseconds, got ${timeframeMs}`);
  }
  const tf = timeframeMs ?? inferTimeframe(cols);
  const gaps: Gap[] = [];
  let missing = 0;
  if (tf === undefined) return { timeframeMs: undefined, gaps, missing };
  const ts = cols.ts;
  for (let i = 1; i < ts.length; i++) {
    const prev = ts[i - 1]!;
    const d = ts[i]! - prev;
    if (d > tf) {
      const m = Math.ceil(d / tf) - 1;
      gaps.push({ afterTs: prev, missing: m });
      missing += m;
    }
  }
  return { timeframeMs: tf, gaps, missing };
}
