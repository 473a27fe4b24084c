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

/** The six candle columns, in the order `allocateColumns` lays them out. */
export const CANDLE_FIELDS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Zero-filled columns for `n` candles, to be filled in place. The six columns lie one after the other in a
 * single SharedArrayBuffer, so a backtest worker pool reads the very memory they were loaded into: a sweep
 * over a large file copies nothing (see `backtest/shared-candles.ts`).
 */
export function allocateColumns(n: number): CandleColumns {
  const buffer = new SharedArrayBuffer(CANDLE_FIELDS.length * n * Float64Array.BYTES_PER_ELEMENT);
  const col = (k: number) => new Float64Array(buffer, k * n * Float64Array.BYTES_PER_ELEMENT, n);
  return { ts: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}

/** The first `n` candles of `c`, copied into columns of their own (see {@link allocateColumns}). */
export function copyColumns(c: CandleColumns, n: number): CandleColumns {
  const out = allocateColumns(n);
  for (const f of CANDLE_FIELDS) out[f].set(c[f].subarray(0, n));
  return out;
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
