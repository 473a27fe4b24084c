/**
 * Candles as columns. Backtests and workers loop over `Float64Array`s (a loop over candle objects is ~50x
 * slower); live bots append one closed candle at a time and feed the streaming indicators.
 */
export interface CandleColumns {
  /** Candle open time, epoch milliseconds UTC. */
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** One closed candle (live and paper paths). */
export interface Candle {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export function candleCount(c: CandleColumns): number {
  return c.ts.length;
}

/** The candle at index i as an object (not for hot loops). */
export function candleAt(c: CandleColumns, i: number): Candle {
  return {
    ts: c.ts[i]!,
    open: c.open[i]!,
    high: c.high[i]!,
    low: c.low[i]!,
    close: c.close[i]!,
    volume: c.volume[i]!,
  };
}

/** Zero-filled columns for `n` candles, to be filled in place. */
export function allocateColumns(n: number): CandleColumns {
  return {
    ts: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
}

/** Builds columns from candle objects (tests, live history). */
export function columnsFrom(candles: readonly Candle[]): CandleColumns {
  const n = candles.length;
  const cols = allocateColumns(n);
  for (let i = 0; i < n; i++) {
    const k = candles[i]!;
    cols.ts[i] = k.ts;
    cols.open[i] = k.open;
    cols.high[i] = k.high;
    cols.low[i] = k.low;
    cols.close[i] = k.close;
    cols.volume[i] = k.volume;
  }
  return cols;
}

/** A view of the first `n` candles, sharing memory (no copy). */
export function sliceColumns(c: CandleColumns, start: number, end: number): CandleColumns {
  return {
    ts: c.ts.subarray(start, end),
    open: c.open.subarray(start, end),
    high: c.high.subarray(start, end),
    low: c.low.subarray(start, end),
    close: c.close.subarray(start, end),
    volume: c.volume.subarray(start, end),
  };
}
